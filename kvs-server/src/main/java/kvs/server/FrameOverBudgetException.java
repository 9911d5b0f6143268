package kvs.server;

import io.netty.handler.codec.DecoderException;

/**
 * A request frame larger than the server's whole budget for requests being received ({@code
 * --max-pending-bytes}): it could never be held, so the connection is answered {@code
 * RESOURCE_EXHAUSTED} and closed, like any frame the server cannot take.
 */
final class FrameOverBudgetException extends DecoderException {
    private static final long serialVersionUID = 1L;

    private FrameOverBudgetException(String message) {
        super(message);
    }

    /**
     * A RESP command whose arguments, arriving one after another, outgrew the room it had: it
     * cannot wait for more while holding part of the budget (connections doing so could all
     * wait for each other), so it is refused.
     */
    static FrameOverBudgetException grown(long commandBytes, long budgetBytes) {
        return new FrameOverBudgetException("a command grew to " + commandBytes + " bytes while the"
                + " server's room for requests being received (--max-pending-bytes " + budgetBytes
                + " bytes, shared by all connections) was taken by others; retry, or send smaller commands");
    }

    FrameOverBudgetException(long frameBytes, long budgetBytes) {
        super("a request of " + frameBytes + " bytes is larger than this server holds for requests"
                + " being received at once (--max-pending-bytes " + budgetBytes + " bytes); send"
                + " smaller values, or raise --max-pending-bytes");
    }
}
