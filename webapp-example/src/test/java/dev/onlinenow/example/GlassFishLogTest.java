package dev.onlinenow.example;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What ContainersIT's GlassFish log check lets through, and, above all, what it still catches:
 * every line of the library's own, and a container record of an allowed id with another cause.
 */
class GlassFishLogTest {

    private static String record(String level, String id, String logger, String body) {
        return "[2026-12-01T10:15:30.123456Z] [GF 7.0.21] [" + level + "] [" + id + "] [" + logger
                + "] [tid: _ThreadID=51 _ThreadName=http-listener-1(4)] [levelValue: 1000] [[\n" + body + "]]\n";
    }

    /** The request the gone client had made passed through the library's filter: its frames are callers, deeper down. */
    private static final String GRIZZLY_NPE = """
              An exception or error occurred in the container during the request processing
            java.lang.NullPointerException: Cannot invoke "org.glassfish.grizzly.Connection.getTransport()" because "connection" is null
            \tat org.glassfish.grizzly.http.server.io.OutputBuffer.flushBinaryBuffers(OutputBuffer.java:1088)
            \tat org.glassfish.grizzly.http.server.io.OutputBuffer.flush(OutputBuffer.java:735)
            \tat org.apache.catalina.connector.OutputBuffer.doFlush(OutputBuffer.java:330)
            \tat dev.onlinenow.OnlineNowFilter.doFilter(OnlineNowFilter.java:129)
            \tat org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:211)
            """;

    private static final String SOCKET_GONE = """
              GRIZZLY0013: Exception during FilterChain execution
            java.io.IOException: Broken pipe
            \tat java.base/sun.nio.ch.FileDispatcherImpl.write0(Native Method)
            \tat java.base/sun.nio.ch.SocketDispatcher.write(SocketDispatcher.java:62)
            \tat org.glassfish.grizzly.nio.transport.TCPNIOUtils.flushByteBuffer(TCPNIOUtils.java:125)
            """;

    /* As GlassFish 7.0.21 logged them in one CI run, for a WebSocket upgrade whose client had gone
     * (the id field empty, the code opening the message), trimmed to their first frames. */
    private static final String UPGRADE_OF_A_GONE_CLIENT = """
            [2026-12-02T13:30:18.772903Z] [GF 7.0.21] [WARNING] [] [jakarta.enterprise.web.vs.server] [tid: _ThreadID=35 _ThreadName=http-listener-1(1)] [levelValue: 900] [[
              StandardWrapperValve[default]: Servlet.service() for servlet default threw exception
            java.lang.NullPointerException: Cannot invoke "org.apache.catalina.core.StandardContext.createHttpUpgradeHandlerInstance(java.lang.Class)" because the return value of "org.apache.catalina.connector.Request.getContext()" is null
            	at org.apache.catalina.connector.Request.upgrade(Request.java:2761)
            	at org.apache.catalina.connector.RequestFacade.upgrade(RequestFacade.java:748)
            	at jakarta.servlet.http.HttpServletRequestWrapper.upgrade(HttpServletRequestWrapper.java:327)
            	at org.glassfish.tyrus.servlet.TyrusServletUpgrade.upgrade(TyrusServletUpgrade.java:211)
            	at org.glassfish.tyrus.servlet.TyrusServletFilter.doFilter(TyrusServletFilter.java:80)
            	at dev.onlinenow.OnlineNowFilter.doFilter(OnlineNowFilter.java:129)
            ]]
            """;
    private static final String STORAGE_OF_A_GONE_CLIENT = """
            [2026-12-02T13:30:18.778797Z] [GF 7.0.21] [WARNING] [] [org.glassfish.grizzly.filterchain.DefaultFilterChain] [tid: _ThreadID=35 _ThreadName=http-listener-1(1)] [levelValue: 900] [[
              GRIZZLY0013: Exception during FilterChain execution
            java.lang.NullPointerException: Cannot invoke "org.glassfish.grizzly.attributes.AttributeStorage.getAttributes()" because "storage" is null
            	at org.glassfish.grizzly.attributes.AttributeBuilder.get(DefaultAttributeBuilder.java:60)
            	at org.glassfish.grizzly.http.HttpServerFilter.handleRead(HttpServerFilter.java:170)
            ]]
            """;

    @Test
    void theContainersOwnTraceOfAClientThatWentAwayIsAllowed() {
        assertThat(GlassFishLog.isTrouble(UPGRADE_OF_A_GONE_CLIENT)).isFalse();
        assertThat(GlassFishLog.isTrouble(STORAGE_OF_A_GONE_CLIENT)).isFalse();
        assertThat(GlassFishLog.isTrouble(record("SEVERE", "AS-WEB-CORE-00037", "jakarta.enterprise.web.core", GRIZZLY_NPE)))
                .isFalse();
        assertThat(GlassFishLog.isTrouble(record("WARNING", "GRIZZLY0013",
                "org.glassfish.grizzly.filterchain.DefaultFilterChain", GRIZZLY_NPE))).isFalse();
        assertThat(GlassFishLog.isTrouble(record("WARNING", "GRIZZLY0013",
                "org.glassfish.grizzly.filterchain.DefaultFilterChain", SOCKET_GONE))).isFalse();
    }

    /* As GlassFish 7.0.21 logged it in a CI run at load 30 to 50. */
    private static final String GOAWAY_ON_A_CLOSED_CONNECTION = """
            [2026-12-02T16:20:37.523868Z] [GF 7.0.21] [WARNING] [] [org.glassfish.grizzly.http2.Http2Session] [tid: _ThreadID=35 _ThreadName=http-listener-1(2)] [levelValue: 900] [[
              Unable to write GOAWAY.  Terminating session.
            java.io.IOException: Locally closed
            ]]
            """;

    @Test
    void grizzlysGoawayOnAConnectionItHadClosedIsAllowedAndNothingMore() {
        assertThat(GlassFishLog.isTrouble(GOAWAY_ON_A_CLOSED_CONNECTION)).isFalse();
        assertThat(GlassFishLog.records(GOAWAY_ON_A_CLOSED_CONNECTION + GOAWAY_ON_A_CLOSED_CONNECTION)
                .filter(GlassFishLog::isTrouble)).isEmpty();
        List<String> others = List.of(
                // another cause
                GOAWAY_ON_A_CLOSED_CONNECTION.replace("Locally closed", "Connection reset by peer"),
                // the same words with a trace through the library
                GOAWAY_ON_A_CLOSED_CONNECTION.replace("Locally closed\n",
                        "Locally closed\n\tat dev.onlinenow.live.Outbox.send(Outbox.java:60)\n"),
                // another logger
                GOAWAY_ON_A_CLOSED_CONNECTION.replace("org.glassfish.grizzly.http2.Http2Session", "dev.onlinenow.live.Outbox"),
                // another message of the HTTP/2 session
                GOAWAY_ON_A_CLOSED_CONNECTION.replace("Unable to write GOAWAY.", "Unable to read frame."),
                // SEVERE
                GOAWAY_ON_A_CLOSED_CONNECTION.replace("[WARNING]", "[SEVERE]"));
        for (String r : others) {
            assertThat(GlassFishLog.isTrouble(r)).as(r).isTrue();
        }
    }

    @Test
    void theLibrarysOwnLinesAreStillCaught() {
        List<String> ours = List.of(
                // a WARNING of the library's own logger
                record("WARNING", "", "dev.onlinenow.OnlineNowFilter", "online-now: recording activity failed\n"),
                // the same id as the allowed record, thrown in the library's code
                record("SEVERE", "AS-WEB-CORE-00037", "jakarta.enterprise.web.core", """
                          An exception or error occurred in the container during the request processing
                        java.lang.NullPointerException: Cannot invoke "String.length()" because "id" is null
                        \tat dev.onlinenow.UserIdSource.usable(UserIdSource.java:120)
                        \tat dev.onlinenow.OnlineNowFilter.doFilter(OnlineNowFilter.java:120)
                        """),
                // the same id, with another cause, wrapping one of ours
                record("SEVERE", "AS-WEB-CORE-00037", "jakarta.enterprise.web.core", """
                          An exception or error occurred in the container during the request processing
                        jakarta.servlet.ServletException: online-now: bad value
                        \tat dev.onlinenow.OnlineNowFilter.init(OnlineNowFilter.java:105)
                        Caused by: java.lang.IllegalArgumentException: threshold: 'soon' is not a duration
                        \tat dev.onlinenow.OnlineNowSettings.parse(OnlineNowSettings.java:300)
                        """),
                // an NPE with the allowed message text, but thrown in the library
                record("WARNING", "GRIZZLY0013", "org.glassfish.grizzly.filterchain.DefaultFilterChain", """
                          GRIZZLY0013: Exception during FilterChain execution
                        java.lang.NullPointerException: Cannot invoke "x()" because "connection" is null
                        \tat dev.onlinenow.live.Connections.open(Connections.java:140)
                        """),
                // the same codes and nulls, thrown in the library
                UPGRADE_OF_A_GONE_CLIENT.replace("org.apache.catalina.connector.Request.upgrade(Request.java:2761)",
                        "dev.onlinenow.live.HandshakePolicy.check(HandshakePolicy.java:40)"),
                STORAGE_OF_A_GONE_CLIENT.replace("org.glassfish.grizzly.attributes.AttributeBuilder.get(DefaultAttributeBuilder",
                        "dev.onlinenow.live.Connections.open(Connections"),
                // an upgrade's NPE with another null
                UPGRADE_OF_A_GONE_CLIENT.replace("Request.getContext()", "Request.getWrapper()"),
                // a broken pipe met by the library's own writer is logged by it, never allowed by id
                record("SEVERE", "", "dev.onlinenow.live.Outbox", SOCKET_GONE),
                // SLF4J finding no provider: the WAR brings one, so this is trouble now
                record("WARNING", "", "jakarta.enterprise.logging.stderr", "SLF4J(W): No SLF4J providers were found.\n"),
                // any other SEVERE of the container
                record("SEVERE", "AS-WEB-CORE-00001", "jakarta.enterprise.web.core", "Startup of context /example failed\n"));
        for (String r : ours) {
            assertThat(GlassFishLog.isTrouble(r)).as(r).isTrue();
        }
    }

    @Test
    void infoRecordsAndTheListedNoticesAreNoTrouble() {
        assertThat(GlassFishLog.isTrouble(record("INFO", "NCLS-GFLAUNCHER-00005", "jakarta.enterprise.launcher", "JVM\n")))
                .isFalse();
        assertThat(GlassFishLog.isTrouble(record("WARNING", "", "jakarta.enterprise.web",
                "Deprecated element attribute-name with value SameSite is ignored\n"))).isFalse();
    }

    @Test
    void aLogIsSplitIntoItsRecords() {
        String log = record("INFO", "A", "x", "one\ntwo\n") + record("SEVERE", "B", "y", "three\n");
        assertThat(GlassFishLog.records(log)).hasSize(2);
        assertThat(GlassFishLog.records(log).filter(GlassFishLog::isTrouble)).hasSize(1);
    }
}
