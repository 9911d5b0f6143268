package kvs.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import kvs.client.KeyPage;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvs-client scan [--prefix P] [--limit N]}. */
@Command(name = "scan", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Prints the keys, one a line, in no particular order.",
            "Each key held for the whole scan is printed exactly once; keys set or removed meanwhile"
                + " may be printed or not (docs/PROTOCOL.md, \"Scan\"). A key is printed as UTF-8 text;"
                + " a byte that is not part of valid UTF-8, a control character and a backslash are"
                + " printed as \\xNN (two hex digits), so that every key is one line and no two keys"
                + " print alike. With --hex: every key in hex, as get --key-hex takes it."})
final class ScanCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Spec
    CommandSpec spec;

    @Option(names = "--prefix", paramLabel = "P", defaultValue = "",
            description = "Only keys starting with P (UTF-8, or hex with --prefix-hex). The server still"
                    + " passes over every key: a prefix saves the transfer, not the pass.")
    String prefix;

    @Option(names = "--prefix-hex", description = "P is given in hex, two digits a byte.")
    boolean prefixHex;

    @Option(names = "--limit", paramLabel = "N", description = "Print at most N keys, then stop.")
    Long limit;

    @Option(names = "--page-size", paramLabel = "N", defaultValue = "1000",
            description = "Keys asked for per request (the server caps it at 10000). Default: ${DEFAULT-VALUE}.")
    int pageSize;

    @Option(names = "--hex", description = "Print every key in hex, two digits a byte.")
    boolean hex;

    @Override
    public Integer call() throws IOException {
        if (limit != null && limit < 0 || pageSize < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--limit must be 0 or more, --page-size 1 or more");
        }
        byte[] p = prefixHex ? Keys.hex(spec, "P", prefix) : prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long left = limit == null ? Long.MAX_VALUE : limit;
        PrintWriter out = main.out();
        try (KvsClient kvs = main.connect()) {
            byte[] cursor = null;
            while (left > 0) {
                KeyPage page = kvs.scanPage(cursor, p, (int) Math.min(pageSize, left));
                // A page at a time: out flushes at each println, a write to the OS each.
                StringBuilder lines = new StringBuilder();
                for (byte[] key : page.keys()) {
                    if (left-- > 0) {
                        lines.append(hex ? HexFormat.of().formatHex(key) : KeyText.escaped(key)).append('\n');
                    }
                }
                out.print(lines);
                out.flush();
                if (page.done()) {
                    break;
                }
                cursor = page.cursor();
            }
        } finally {
            out.flush();
        }
        return 0;
    }
}
