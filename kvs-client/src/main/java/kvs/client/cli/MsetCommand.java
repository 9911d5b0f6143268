package kvs.client.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvs-client mset KEY VALUE [KEY VALUE...]}. */
@Command(name = "mset", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Sets each KEY to the VALUE after it. Prints nothing.",
            "One request: all are set, or, if the server refuses any (too large, a storage error),"
                + " none. Readers may see some keys set before others."})
final class MsetCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "2..*", paramLabel = "KEY VALUE", description = "Keys and values, in pairs (UTF-8).")
    List<String> words;

    @Override
    public Integer call() throws IOException {
        Map<byte[], byte[]> pairs = pairs(spec, words);
        try (KvsClient kvs = main.connect()) {
            kvs.setAll(pairs);
        }
        return 0;
    }

    /** {@code words} as key-value pairs in order; an odd count is a usage error. */
    static Map<byte[], byte[]> pairs(CommandSpec spec, List<String> words) {
        if (words.size() % 2 != 0) {
            throw new ParameterException(spec.commandLine(), "KEY '" + words.get(words.size() - 1)
                    + "' has no VALUE: give keys and values in pairs");
        }
        Map<byte[], byte[]> pairs = new LinkedHashMap<>();
        for (int i = 0; i < words.size(); i += 2) {
            pairs.put(Keys.utf8(spec, words.get(i)), words.get(i + 1).getBytes(StandardCharsets.UTF_8));
        }
        return pairs;
    }
}
