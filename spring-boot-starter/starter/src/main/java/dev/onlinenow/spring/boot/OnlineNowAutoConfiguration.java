package dev.onlinenow.spring.boot;

import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowFilter;
import dev.onlinenow.OnlineNowMetrics;
import dev.onlinenow.live.OnlineNowLive;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletContext;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.boot.web.servlet.ServletListenerRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * online-now in a Spring Boot servlet app, from one dependency.
 *
 * <ul>
 *   <li>{@link OnlineNow} (the index: inject it), built once from the {@code online-now.*}
 *       properties ({@link OnlineNowSettingsBinder}) and installed in the ServletContext at start-up,
 *       so the JSP/EL functions, the live endpoint and the meters all see this one.</li>
 *   <li>{@code onlineNowFilter}: {@link OnlineNowFilter} on {@code /*}, REQUEST and ASYNC
 *       dispatches, at {@code online-now.filter.order} ({@value #DEFAULT_FILTER_ORDER} by default:
 *       after Spring Security's chain and Spring Session's filter). Spring Security's signed-in
 *       users are counted in any order (the library reads its context from the session), but a
 *       stateless login (a bearer token) is seen only inside and after the security chain.</li>
 *   <li>{@code onlineNowLive}: the live WebSocket endpoint, when {@code online-now.live.enabled=true}
 *       and {@code jakarta.websocket} is on the class path (spring-boot-starter-websocket); with the
 *       property and without the API, start-up stops saying so.</li>
 *   <li>{@code onlineNowMetrics}: the {@code onlinenow.*} meters, bound by Boot to its
 *       MeterRegistry, when Micrometer is present.</li>
 *   <li>{@code onlineNowHealthIndicator}: the {@code onlineNow} health contributor (Boot 3's
 *       actuator or Boot 4's spring-boot-health), see {@link OnlineNowHealth}.</li>
 * </ul>
 * Each bean is {@code @ConditionalOnMissingBean} (by type, or by the name above), so an app replaces
 * any piece by declaring its own. Like Boot's own filter registrations (Spring Session's
 * {@code SessionRepositoryFilterConfiguration}), the filter is a {@link FilterRegistrationBean} with
 * an explicit order and dispatcher types, not a bare filter bean.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({OnlineNow.class, FilterRegistrationBean.class})
@ConditionalOnProperty(prefix = "online-now", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(OnlineNowProperties.class)
public class OnlineNowAutoConfiguration {

    /** After Spring Security (-100) and Spring Session, before the app's filters of default order. */
    public static final int DEFAULT_FILTER_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    /** The filter's name in the servlet container, as in web.xml. */
    public static final String FILTER_NAME = "onlineNow";

    @Bean
    @ConditionalOnMissingBean
    public OnlineNow onlineNow(Environment environment) {
        try {
            return OnlineNow.create(OnlineNowSettingsBinder.bind(environment));
        } catch (OnlineNowConfigurationException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // a class-name setting (resolver) that cannot be loaded: the library names the key
            throw new OnlineNowConfigurationException(e.getMessage(), OnlineNowSettingsBinder.PREFIX + ".*", null, null, e);
        }
    }

    /** Makes the bean the web app's instance (OnlineNow.get(servletContext)), with its MBean. */
    @Bean
    @ConditionalOnMissingBean(name = "onlineNowInstaller")
    public ServletContextInitializer onlineNowInstaller(OnlineNow online) {
        return new Installer(online);
    }

    @Bean
    @ConditionalOnMissingBean(name = "onlineNowFilter")
    public FilterRegistrationBean<OnlineNowFilter> onlineNowFilter(OnlineNow online, OnlineNowProperties properties) {
        FilterRegistrationBean<OnlineNowFilter> registration = new FilterRegistrationBean<>(new OnlineNowFilter(online));
        registration.setName(FILTER_NAME);
        registration.addUrlPatterns("/*");
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
        registration.setOrder(properties.getFilter().getOrder());
        return registration;
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "jakarta.websocket.server.ServerContainer")
    @ConditionalOnProperty(prefix = "online-now.live", name = "enabled", havingValue = "true")
    static class LiveConfiguration {

        /*
         * A ServletContextListener, as in web.xml: it runs after every ServletContainerInitializer,
         * so Boot's WebSocket support (WsSci) has put the ServerContainer in place, and after the
         * installer, so it joins this OnlineNow instead of building another.
         */
        @Bean
        @ConditionalOnMissingBean(name = "onlineNowLive")
        public ServletListenerRegistrationBean<OnlineNowLive> onlineNowLive(OnlineNow online) {
            return new ServletListenerRegistrationBean<>(new OnlineNowLive());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass("jakarta.websocket.server.ServerContainer")
    @ConditionalOnProperty(prefix = "online-now.live", name = "enabled", havingValue = "true")
    static class NoWebSocketConfiguration {

        @Bean
        public Object onlineNowLive() {
            throw new OnlineNowConfigurationException("online-now: online-now.live.enabled is true, but this app has no "
                    + "Jakarta WebSocket API (jakarta.websocket) on its class path for the live endpoint",
                    "online-now.live.enabled", "true", null, null);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static class MetricsConfiguration {

        /* Reads the web app's OnlineNow and live presence when read (0 before they start). */
        @Bean
        @ConditionalOnMissingBean
        public OnlineNowMetrics onlineNowMetrics(ServletContext servletContext) {
            return new OnlineNowMetrics(servletContext);
        }
    }

    /* Boot 3: the actuator's HealthIndicator (Boot 4 moved it to spring-boot-health). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    @ConditionalOnMissingClass("org.springframework.boot.health.contributor.HealthIndicator")
    static class Boot3HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "onlineNowHealthIndicator")
        public org.springframework.boot.actuate.health.HealthIndicator onlineNowHealthIndicator(OnlineNow online) {
            return () -> (OnlineNowHealth.up(online) ? org.springframework.boot.actuate.health.Health.up()
                    : org.springframework.boot.actuate.health.Health.down())
                    .withDetails(OnlineNowHealth.details(online)).build();
        }
    }

    /* Boot 4: spring-boot-health's HealthIndicator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class Boot4HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "onlineNowHealthIndicator")
        public org.springframework.boot.health.contributor.HealthIndicator onlineNowHealthIndicator(OnlineNow online) {
            return () -> (OnlineNowHealth.up(online) ? org.springframework.boot.health.contributor.Health.up()
                    : org.springframework.boot.health.contributor.Health.down())
                    .withDetails(OnlineNowHealth.details(online)).build();
        }
    }

    /** Installs the bean in the ServletContext as the web app starts. */
    static final class Installer implements ServletContextInitializer, Ordered {
        private final OnlineNow online;

        Installer(OnlineNow online) {
            this.online = online;
        }

        @Override
        public void onStartup(ServletContext servletContext) {
            OnlineNow.install(servletContext, online);
        }

        @Override
        public int getOrder() {
            return Ordered.HIGHEST_PRECEDENCE;
        }
    }
}
