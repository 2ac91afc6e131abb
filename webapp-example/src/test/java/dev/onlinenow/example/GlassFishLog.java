package dev.onlinenow.example;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads GlassFish's {@code server.log} for trouble: every SEVERE or WARNING record, except the
 * few that are the container's own, named here one by one, each by its message id and by the
 * exception that caused it and where that was thrown.
 *
 * <p>Allowed, and why:
 * <ul>
 * <li>Its notice that it ignores the session cookie's SameSite attribute
 *     (docs/compatibility.md).</li>
 * <li>A request whose client went away while GlassFish still worked on it (seen on a loaded
 *     machine when a test's client had closed, often during a WebSocket upgrade), logged by
 *     the container under one of three codes: {@code AS-WEB-CORE-00037} (SEVERE, "an exception
 *     occurred in the container during the request processing"), {@code GRIZZLY0013} (WARNING,
 *     "exception during FilterChain execution", the code at the start of the message) or
 *     {@code StandardWrapperValve[...]: Servlet.service() ... threw exception}; and only when the
 *     root cause is one of the container's own on a connection or request already recycled: a
 *     {@code NullPointerException} thrown in Grizzly or GlassFish's Catalina whose message names
 *     {@code "connection"}, {@code "storage"} or {@code Request.getContext()} as the null, or a
 *     peer's {@code IOException} (broken pipe, connection reset) thrown by the JDK's socket or
 *     Grizzly. The library's filter may be among the callers in such a trace; it is never where
 *     the exception was thrown.</li>
 * <li>Grizzly's HTTP/2 session failing to say goodbye on a connection the server had already
 *     closed: {@code org.glassfish.grizzly.http2.Http2Session}'s WARNING "Unable to write GOAWAY.
 *     Terminating session." with exactly {@code java.io.IOException: Locally closed} and no
 *     trace. (The JDK's HTTP client asks for HTTP/2 on every plain-HTTP request, GlassFish 7
 *     accepts the upgrade, and an idle connection closed on a loaded machine ends so.)</li>
 * </ul>
 * Any other record of those codes, every record whose root cause is thrown in the library's own
 * code ({@code dev.onlinenow}) or has another cause, and every record of the library's own loggers
 * is trouble: {@code GlassFishLogTest} proves
 * that the library's own lines are still caught.
 */
final class GlassFishLog {

    private GlassFishLog() {
    }

    /** A record's head: {@code [time] [product] [LEVEL] [MESSAGE-ID] [logger] ...}; the level and id. */
    private static final Pattern HEAD = Pattern.compile("\\] \\[(SEVERE|WARNING)\\] \\[([^\\]]*)\\] \\[([^\\]]*)\\]");

    private static final Pattern SAME_SITE = Pattern.compile(
            "Deprecated element attribute-(?:name|value) with value (?:SameSite|Lax) is ignored");

    private static final String HTTP2_SESSION = "org.glassfish.grizzly.http2.Http2Session";
    /** The whole record after its head line: the message, the one exception line, the end. */
    private static final Pattern GOAWAY_LOCALLY_CLOSED = Pattern.compile(
            "\\A[^\\n]*\\n\\s*Unable to write GOAWAY\\.\\s+Terminating session\\.\\n"
                    + "java\\.io\\.IOException: Locally closed\\n\\]\\]\\s*\\z");

    /** The container's codes for "a request failed inside me": in the id field, or opening the message. */
    private static final Pattern REQUEST_FAILED = Pattern.compile(
            "^\\s*(?:GRIZZLY0013: |StandardWrapperValve\\[[^\\]]*\\]: Servlet\\.service\\(\\) for servlet \\S+ threw exception)");
    private static final List<String> REQUEST_FAILED_IDS = List.of("AS-WEB-CORE-00037", "GRIZZLY0013");

    /** What the container finds null on a connection or request it has already recycled. */
    private static final List<String> RECYCLED = List.of("because \"connection\" is null",
            "because \"storage\" is null",
            "because the return value of \"org.apache.catalina.connector.Request.getContext()\" is null");

    /** A throwable's line: its class, and its message if any; "Caused by: " before a cause. */
    private static final Pattern THROWABLE = Pattern.compile(
            "^\\s*(?:Caused by: )?([a-zA-Z_$][\\w$]*(?:\\.[a-zA-Z_$][\\w$]*)+(?:Exception|Error))(?::\\s?(.*))?$",
            Pattern.MULTILINE);
    private static final Pattern FRAME = Pattern.compile("^\\s*at (?:[\\w.$@-]+/)?([\\w$.]+)\\(", Pattern.MULTILINE); // module/ before it, as java.base/

    /** The log as records: each starts with {@code [yyyy-mm-ddT}. */
    static Stream<String> records(String log) {
        return Pattern.compile("(?m)^(?=\\[\\d{4}-\\d\\d-\\d\\dT)").splitAsStream(log);
    }

    /** Whether a record means something went wrong (in the app, or in the container for a reason not listed above). */
    static boolean isTrouble(String record) {
        String first = record.lines().findFirst().orElse("");
        Matcher head = HEAD.matcher(first);
        if (!head.find()) {
            return false; // INFO, FINE, ... or not a record
        }
        if (head.group(3).startsWith("dev.onlinenow")) {
            return true; // the library's own logger: always looked at
        }
        if (SAME_SITE.matcher(record).find()) {
            return false;
        }
        if (head.group(1).equals("WARNING") && head.group(3).equals(HTTP2_SESSION)
                && GOAWAY_LOCALLY_CLOSED.matcher(record).find()) {
            return false;
        }
        String message = record.lines().skip(1).findFirst().orElse("");
        boolean requestFailed = REQUEST_FAILED_IDS.contains(head.group(2)) || REQUEST_FAILED.matcher(message).find();
        return !(requestFailed && rootCauseIsAGoneClient(record));
    }

    private static boolean rootCauseIsAGoneClient(String record) {
        Matcher t = THROWABLE.matcher(record);
        int at = -1;
        String type = null;
        String message = null;
        while (t.find()) { // the last throwable in the record is the root cause
            at = t.end();
            type = t.group(1);
            message = t.group(2) == null ? "" : t.group(2);
        }
        if (type == null) {
            return false;
        }
        Matcher f = FRAME.matcher(record);
        if (!f.find(at)) {
            return false;
        }
        String thrownIn = f.group(1);
        if (type.equals("java.lang.NullPointerException")) {
            String m = message;
            return RECYCLED.stream().anyMatch(m::endsWith)
                    && (thrownIn.startsWith("org.glassfish.grizzly.") || thrownIn.startsWith("org.apache.catalina."));
        }
        if (type.equals("java.io.IOException") || type.endsWith(".ClosedChannelException")) {
            boolean peerWentAway = type.endsWith(".ClosedChannelException")
                    || message.contains("Broken pipe") || message.contains("Connection reset by peer");
            return peerWentAway && (thrownIn.startsWith("sun.nio.ch.") || thrownIn.startsWith("org.glassfish.grizzly."));
        }
        return false;
    }
}
