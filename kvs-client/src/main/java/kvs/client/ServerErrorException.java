package kvs.client;

import java.io.IOException;
import kvs.proto.ErrorCode;

/** The server answered with an {@code Error}: the request was not applied. */
public final class ServerErrorException extends IOException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public ServerErrorException(ErrorCode code, String message) {
        super(message + " (" + code + ")");
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
