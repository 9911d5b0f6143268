package kvs.client.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kvs-client set KEY (VALUE | --value-file PATH)}. */
@Command(name = "set", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Sets KEY to VALUE. Prints nothing.",
            "A value on the command line is stored as its UTF-8 bytes; --value-file stores a"
                + " file's bytes exactly, or standard input's with '-'."})
final class SetCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8, or hex with --key-hex).")
    String key;

    @Option(names = "--key-hex", description = "KEY is given in hex, two digits a byte (e.g. 00ff41): for keys"
            + " that are not UTF-8 text.")
    boolean keyHex;

    @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE",
            description = "The value (UTF-8, or hex with --value-hex).")
    String value;

    @Option(names = "--value-hex", description = "VALUE is given in hex, two digits a byte.")
    boolean valueHex;

    @Option(names = "--value-file", paramLabel = "PATH",
            description = "Read the value from this file; '-' reads standard input.")
    Path valueFile;

    @Override
    public Integer call() throws IOException {
        byte[] bytes = value();
        try (KvsClient kvs = main.connect()) {
            kvs.set(Keys.of(spec, key, keyHex), bytes);
        }
        return 0;
    }

    private byte[] value() throws IOException {
        if (value != null && valueFile != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give either VALUE or --value-file, not both");
        }
        if (value != null) {
            return valueHex ? Keys.hex(spec, "VALUE", value) : value.getBytes(StandardCharsets.UTF_8);
        }
        if (valueFile == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "missing value: give VALUE, or --value-file PATH ('-' for standard input)");
        }
        if (valueFile.toString().equals("-")) {
            return main.stdin.readAllBytes();
        }
        try {
            return Files.readAllBytes(valueFile);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read value file " + valueFile + ": no such file", e);
        } catch (IOException e) {
            throw new IOException("cannot read value file " + valueFile + ": " + e.getMessage(), e);
        }
    }
}
