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
        return of(spec, key, false);
    }

    /** KEY as its UTF-8 bytes, or, with {@code hex}, as the bytes its hex digits spell ({@code --key-hex}). */
    static byte[] of(CommandSpec spec, String key, boolean hex) {
        byte[] bytes = hex ? hex(spec, "KEY", key) : key.getBytes(StandardCharsets.UTF_8);
        String refused = refusal(bytes);
        if (refused != null) {
            throw new ParameterException(spec.commandLine(), refused);
        }
        return bytes;
    }

    /** Why the protocol refuses {@code key}, or null if it takes it. */
    static String refusal(byte[] key) {
        if (key.length == 0) {
            return "KEY must not be empty";
        }
        if (key.length > Limits.MAX_KEY_BYTES) {
            return "KEY of " + key.length + " bytes is over the limit of " + Limits.MAX_KEY_BYTES + " bytes";
        }
        return null;
    }

    /** The bytes that {@code text}'s hex digits spell (two a byte, either case), for an argument named {@code what}. */
    static byte[] hex(CommandSpec spec, String what, String text) {
        try {
            return java.util.HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), what + " '" + text + "' is not hex: give two hex"
                    + " digits a byte, e.g. 00ff41 for the bytes 0x00 0xff 'A'");
        }
    }
}
