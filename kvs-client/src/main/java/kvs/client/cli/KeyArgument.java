package kvs.client.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The KEY argument with its {@code --key-hex} option: a mixin of the commands that take one key. */
final class KeyArgument {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8, or hex with --key-hex).")
    String key;

    @Option(names = "--key-hex", description = "KEY is given in hex, two digits a byte (e.g. 00ff41): for keys"
            + " that are not UTF-8 text.")
    boolean keyHex;

    /** KEY's bytes, checked against the protocol's limits ({@link Keys#of}). */
    byte[] bytes() {
        return Keys.of(spec, key, keyHex);
    }
}
