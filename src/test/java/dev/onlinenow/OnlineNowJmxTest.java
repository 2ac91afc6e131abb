package dev.onlinenow;

import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** The MBean's name (CONTRACT.md section 6) and its registration's edge cases. */
class OnlineNowJmxTest {

    @Test
    void theRootContextIsSlashAndOtherPathsAreTakenAsTheyAre() throws Exception {
        assertThat(OnlineNowJmx.name("", 1)).isEqualTo(new ObjectName("dev.onlinenow:type=OnlineNow,context=/"));
        assertThat(OnlineNowJmx.name("/shop", 1)).isEqualTo(new ObjectName("dev.onlinenow:type=OnlineNow,context=/shop"));
        assertThat(OnlineNowJmx.name("/shop", 1).getKeyPropertyList()).containsOnlyKeys("type", "context");
    }

    @Test
    void aPathThatNeedsQuotingIsQuoted() throws Exception {
        for (String path : new String[] {"/a,b", "/a=b", "/a:b", "/a\"b", "/a*", "/a?"}) {
            ObjectName n = OnlineNowJmx.name(path, 1);
            assertThat(n.getKeyProperty("context")).as(path).isEqualTo(ObjectName.quote(path));
            assertThat(ObjectName.unquote(n.getKeyProperty("context"))).isEqualTo(path);
            assertThat(n.isPattern()).isFalse();
        }
    }

    private static jakarta.servlet.ServletContext context(String path) {
        jakarta.servlet.ServletContext ctx = mock(jakarta.servlet.ServletContext.class);
        Map<String, Object> attributes = new HashMap<>();
        when(ctx.getAttribute(anyString())).thenAnswer(i -> attributes.get(i.getArgument(0, String.class)));
        doAnswer(i -> attributes.put(i.getArgument(0), i.getArgument(1))).when(ctx).setAttribute(anyString(), any());
        doAnswer(i -> attributes.remove(i.getArgument(0, String.class))).when(ctx).removeAttribute(anyString());
        when(ctx.getContextPath()).thenReturn(path);
        return ctx;
    }

    @Test
    void twoAppsWithOnePathInOneJvmBothStartAndTheSecondIsNumbered() throws Exception {
        try (OnlineNow a = OnlineNow.inProcess(OnlineNowSettings.defaults());
             OnlineNow b = OnlineNow.inProcess(OnlineNowSettings.defaults())) {
            OnlineNow.install(context("/twin"), a);
            OnlineNow.install(context("/twin"), b);
            assertThat(a.mbeanName()).isEqualTo(new ObjectName("dev.onlinenow:type=OnlineNow,context=/twin"));
            assertThat(b.mbeanName()).isEqualTo(new ObjectName("dev.onlinenow:type=OnlineNow,context=/twin,instance=2"));
            a.touch("alice");
            assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(a.mbeanName(), "OnlineCount")).isEqualTo(1L);
            assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(b.mbeanName(), "OnlineCount")).isEqualTo(0L);
            ObjectName second = b.mbeanName();
            b.close();
            assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(second)).isFalse();
            assertThat(b.mbeanName()).isNull();
        }
    }

    @Test
    void installingTwiceRegistersOnceAndUninstallUnregisters() throws Exception {
        try (OnlineNow a = OnlineNow.inProcess(OnlineNowSettings.defaults())) {
            jakarta.servlet.ServletContext ctx = context("/again");
            OnlineNow.install(ctx, a);
            OnlineNow.install(ctx, a);
            ObjectName name = new ObjectName("dev.onlinenow:type=OnlineNow,context=/again");
            assertThat(a.mbeanName()).isEqualTo(name);
            assertThat(ManagementFactory.getPlatformMBeanServer().queryNames(
                    new ObjectName("dev.onlinenow:type=OnlineNow,context=/again,*"), null)).containsExactly(name);
            OnlineNow.uninstall(ctx, a);
            assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(name)).isFalse();
        }
    }

    @Test
    void aClosedIndexIsNeverRegistered() {
        OnlineNow a = OnlineNow.inProcess(OnlineNowSettings.defaults());
        a.close();
        OnlineNow.install(context("/closed"), a);
        assertThat(a.mbeanName()).isNull();
    }
}
