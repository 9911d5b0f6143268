package kvs.client.history;

import java.util.Objects;

/**
 * The sequential model of one key: a register holding a value, or nothing (null). A write sets
 * it, a remove empties it, a read changes nothing and must return what it holds.
 */
final class Register {

    private Register() {}

    /** Whether {@code call} can take effect on a register holding {@code state}. */
    static boolean allows(String state, Call call) {
        // Only an ok read reports what it saw; an unknown read is dropped before the search.
        return call.op().kind() != Op.Kind.READ || Objects.equals(state, call.result());
    }

    /** What the register holds after {@code call} takes effect on {@code state}. */
    static String after(String state, Call call) {
        return switch (call.op().kind()) {
            case WRITE -> call.op().value();
            case REMOVE -> null;
            case READ -> state;
        };
    }
}
