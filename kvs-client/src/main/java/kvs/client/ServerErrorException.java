package kvs.client;

import java.io.IOException;
import kvs.proto.ErrorCode;

/** The server answered with an {@code Error}: the request was not applied (but see {@link #code}). */
public final class ServerErrorException extends IOException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String leaderAddress;

    public ServerErrorException(ErrorCode code, String message) {
        this(code, message, "");
    }

    public ServerErrorException(ErrorCode code, String message, String leaderAddress) {
        super(message + " (" + code + ")");
        this.code = code;
        this.leaderAddress = leaderAddress;
    }

    public ErrorCode code() {
        return code;
    }

    /** For {@code NOT_LEADER} from a replicated member: the leader's address, or empty if it knows none. */
    public String leaderAddress() {
        return leaderAddress;
    }
}
