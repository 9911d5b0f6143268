package kvs.client.cli;

import java.nio.charset.StandardCharsets;
import kvs.common.Limits;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** A KEY argument as bytes, checked against the protocol's limits before anything is sent. */
final class Keys {

    private Keys() {
    }

    static byte[] utf8(CommandSpec spec, String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0) {
            throw new ParameterException(spec.commandLine(), "KEY must not be empty");
        }
        if (bytes.length > Limits.MAX_KEY_BYTES) {
            throw new ParameterException(spec.commandLine(), "KEY of " + bytes.length
                    + " bytes is over the limit of " + Limits.MAX_KEY_BYTES + " bytes");
        }
        return bytes;
    }
}
