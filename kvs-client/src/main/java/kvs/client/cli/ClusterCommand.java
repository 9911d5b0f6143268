package kvs.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import kvs.proto.ClusterStatusReply;
import kvs.proto.Member;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code kvs-client cluster status}. */
@Command(name = "cluster", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"The replicated group a server is a member of (docs/REPLICATION.md)."},
        subcommands = ClusterCommand.Status.class)
final class ClusterCommand {

    @ParentCommand
    ClientMain main;

    @Command(name = "status", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = {"Prints the group as the member at --addr (the first that answers) sees it:"
                    + " its leader and term, and each member's addresses and last applied log index"
                    + " (the answering member's own is exact; the others' as the leader last heard)."
                    + " A single server is an error, exit 1."})
    static final class Status implements Callable<Integer> {

        @ParentCommand
        ClusterCommand cluster;

        @Override
        public Integer call() throws IOException {
            try (KvsClient kvs = cluster.main.connect()) {
                print(kvs.clusterStatus(), cluster.main.out());
            }
            return 0;
        }

        static void print(ClusterStatusReply s, PrintWriter out) {
            out.println("member " + s.getSelfId() + " answered; leader: "
                    + (s.getLeaderId().isEmpty() ? "none known (an election may be under way)" : s.getLeaderId())
                    + ", term " + s.getTerm());
            out.println(String.format("%-10s %-8s %-22s %-22s %s", "ID", "ROLE", "RAFT", "CLIENT", "APPLIED"));
            for (Member m : s.getMembersList()) {
                out.println(String.format("%-10s %-8s %-22s %-22s %d", m.getId(), m.getLeader() ? "leader" : "follower",
                        m.getRaftAddr(), m.getClientAddr().isEmpty() ? "-" : m.getClientAddr(), m.getAppliedIndex()));
            }
            out.flush();
        }
    }
}
