package kvs.server;

import io.netty.handler.codec.DecoderException;

/**
 * A request frame larger than the server's whole budget for requests being received ({@code
 * --max-pending-bytes}): it could never be held, so the connection is answered {@code
 * RESOURCE_EXHAUSTED} and closed, like any frame the server cannot take.
 */
final class FrameOverBudgetException extends DecoderException {
    private static final long serialVersionUID = 1L;

    FrameOverBudgetException(long frameBytes, long budgetBytes) {
        super("a request of " + frameBytes + " bytes is larger than this server holds for requests"
                + " being received at once (--max-pending-bytes " + budgetBytes + " bytes); send"
                + " smaller values, or raise --max-pending-bytes");
    }
}
