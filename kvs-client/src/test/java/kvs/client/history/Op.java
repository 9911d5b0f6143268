package kvs.client.history;

import java.util.Objects;

/**
 * What a client asked of one key: write a value, remove the key, or read it. What came back is
 * recorded beside it, in a {@link Call}.
 */
public record Op(Kind kind, String key, String value) {

    /** The three operations of a key/value register. */
    public enum Kind { WRITE, REMOVE, READ }

    public Op {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        if ((kind == Kind.WRITE) != (value != null)) {
            throw new IllegalArgumentException("a write, and only a write, carries a value: " + kind);
        }
    }

    public static Op write(String key, String value) {
        return new Op(Kind.WRITE, key, Objects.requireNonNull(value, "value"));
    }

    public static Op remove(String key) {
        return new Op(Kind.REMOVE, key, null);
    }

    public static Op read(String key) {
        return new Op(Kind.READ, key, null);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case WRITE -> "write " + key + " = " + Call.quote(value);
            case REMOVE -> "remove " + key;
            case READ -> "read " + key;
        };
    }
}
