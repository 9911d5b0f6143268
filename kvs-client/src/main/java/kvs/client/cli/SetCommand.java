package kvs.client.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import kvs.client.Expiry;
import kvs.client.KvsClient;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code kvs-client set KEY (VALUE | --value-file PATH) [--if-absent | --if-present | --if-equal OLD]
 * [--ttl DURATION | --expire-at TIME | --keep-ttl]}.
 */
@Command(name = "set", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Sets KEY to VALUE. Prints nothing.",
            "A value on the command line is stored as its UTF-8 bytes; --value-file stores a"
                + " file's bytes exactly, or standard input's with '-'.",
            "With --if-absent, --if-present or --if-equal, the server checks the condition and sets"
                + " atomically: no other write comes between. If the condition does not hold, nothing"
                + " is set, 'not set: ...' says why on standard error, and the exit code is 1.",
            "With --ttl or --expire-at the key expires (gone for every read) after that long or at that time,"
                + " by the server's clock; --keep-ttl keeps the expiry it has; without any, a set clears the"
                + " key's expiry. E.g. kvs-client set session abc --ttl 30m"})
final class SetCommand implements Callable<Integer> {

    /** At most one condition; none means always. */
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Condition condition;

    static final class Condition {
        @Option(names = "--if-absent", required = true, description = "Set only if KEY is absent (Redis's SET NX).")
        boolean ifAbsent;

        @Option(names = "--if-present", required = true, description = "Set only if KEY is there (SET XX).")
        boolean ifPresent;

        @Option(names = "--if-equal", paramLabel = "OLD", required = true, description = "Set only if KEY's value"
                + " is OLD, byte for byte (compare-and-set; a missing key matches nothing). OLD is given as"
                + " VALUE is: UTF-8, or hex with --value-hex.")
        String ifEqual;
    }

    /** At most one expiry option; none means the key never expires. */
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    ExpiryTimes.SetOptions expiryOptions;

    @ParentCommand
    ClientMain main;

    @Spec
    CommandSpec spec;

    @Mixin
    KeyArgument key;

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
        byte[] k = key.bytes();
        byte[] expected = condition != null && condition.ifEqual != null ? bytesOf("OLD", condition.ifEqual) : null;
        Expiry expiry = expiryOptions == null ? Expiry.NONE : expiryOptions.expiry();
        String notSet;
        try (KvsClient kvs = main.connect()) {
            if (condition == null) {
                kvs.set(k, bytes, expiry);
                return 0;
            } else if (condition.ifAbsent) {
                notSet = kvs.setIfAbsent(k, bytes, expiry) ? null : key.key + " exists";
            } else if (condition.ifPresent) {
                notSet = kvs.setIfPresent(k, bytes, expiry) ? null : key.key + " is missing";
            } else {
                notSet = kvs.compareAndSet(k, expected, bytes, expiry) ? null
                        : key.key + "'s value is not " + condition.ifEqual + ", or " + key.key + " is missing";
            }
        }
        if (notSet != null) {
            main.err().println("not set: " + notSet);
            main.err().flush();
            return ClientMain.EXIT_FAILED;
        }
        return 0;
    }

    /** An argument given as VALUE is: UTF-8, or hex with --value-hex. */
    private byte[] bytesOf(String what, String text) {
        return valueHex ? Keys.hex(spec, what, text) : text.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] value() throws IOException {
        if (value != null && valueFile != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give either VALUE or --value-file, not both");
        }
        if (value != null) {
            return bytesOf("VALUE", value);
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
