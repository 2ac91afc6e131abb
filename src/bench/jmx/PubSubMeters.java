import com.sun.tools.attach.VirtualMachine;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.util.Map;

/**
 * Reads each local JVM's online-now pub/sub meters over JMX (the Attach API: same user, no port).
 * A benchmark helper for src/bench/multi-server.sh, not part of any test run.
 *
 *   java src/bench/jmx/PubSubMeters.java PID...
 *
 * prints one line per PID: {@code PID hosted not_hosted own dropped}, the counters of the MBean's
 * PubSubReceivedByKind and PubSubDropped since start, or {@code PID n/a} for a server whose
 * online-now has no such attributes (before they were added).
 */
public class PubSubMeters {
    public static void main(String[] args) throws Exception {
        for (String pid : args) {
            VirtualMachine vm = VirtualMachine.attach(pid);
            try {
                String address = vm.startLocalManagementAgent();
                try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
                    MBeanServerConnection s = c.getMBeanServerConnection();
                    String line = pid + " n/a";
                    for (ObjectName n : s.queryNames(new ObjectName("dev.onlinenow:type=OnlineNow,*"), null)) {
                        try {
                            @SuppressWarnings("unchecked")
                            Map<String, Long> kinds = (Map<String, Long>) s.getAttribute(n, "PubSubReceivedByKind");
                            long dropped = (Long) s.getAttribute(n, "PubSubDropped");
                            line = pid + " " + kinds.getOrDefault("hosted", 0L) + " " + kinds.getOrDefault("not_hosted", 0L)
                                    + " " + kinds.getOrDefault("own", 0L) + " " + dropped;
                        } catch (javax.management.AttributeNotFoundException old) {
                            // a version without the meters
                        }
                    }
                    System.out.println(line);
                }
            } finally {
                vm.detach();
            }
        }
    }
}
