package kvs.client.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import kvs.client.WriteBatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code kvs-client batch OP...}: sets and removes applied as one. Its words are read by
 * {@link BatchOps}, options of the operations included: picocli is told to pass words it does
 * not know as parameters ({@link ClientMain#commandLine}).
 */
@Command(name = "batch", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Applies sets and removes as one: all or none, for readers (no read sees part of it)"
                + " and for crashes. Prints nothing.",
            "OP is one of: " + BatchOps.FORMS + "; in order, a key written twice ends as the last OP says."
                + " Values are UTF-8; DURATION and TIME are as set's --ttl and --expire-at take them.",
            "E.g. kvs-client batch set a 1 set b 2 --ttl 10s rm c"})
final class BatchCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "OP", description = "The operations, one after another.")
    List<String> words;

    @Override
    public Integer call() throws IOException {
        WriteBatch ops;
        try {
            ops = BatchOps.parse(words);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try (KvsClient kvs = main.connect()) {
            kvs.apply(ops);
        }
        return 0;
    }
}
