package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import kvs.common.codec.FrameDecoder;
import org.junit.jupiter.api.Test;

/** The server-wide budget for unfinished frames, on connections that share one. */
class PendingFrameGuardTest {

    private final MemoryBudget budget = new MemoryBudget("test", 1000);

    /** A connection: guard, decoder, and what reaches the handler behind them. */
    private final class Conn {
        final FrameDecoder decoder = new FrameDecoder(10_000);
        final PendingFrameGuard guard = new PendingFrameGuard(budget, decoder);
        final List<Object> events = new ArrayList<>();
        final EmbeddedChannel ch = new EmbeddedChannel(guard, decoder, new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }
        });

        void send(byte... bytes) {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        }

        int frames() {
            int n = 0;
            for (ByteBuf b = ch.readInbound(); b != null; b = ch.readInbound()) {
                b.release();
                n++;
            }
            return n;
        }
    }

    /** The 2-byte prefix of a frame of {@code n} (128 to 16383) bytes, and its first bytes. */
    private static byte[] head(int n, int bodyBytes) {
        byte[] b = new byte[2 + bodyBytes];
        b[0] = (byte) (0x80 | (n & 0x7F));
        b[1] = (byte) (n >>> 7);
        return b;
    }

    @Test
    void unfinishedFrame_reservesItsWholeSize_releasedWhenWhole() {
        Conn a = new Conn();
        a.send(head(600, 10));
        assertEquals(602, budget.used());
        assertTrue(a.ch.config().isAutoRead());
        a.send(new byte[590]);
        assertEquals(1, a.frames());
        assertEquals(0, budget.used());
        assertFalse(a.ch.finish());
    }

    @Test
    void wholeFramesInOneRead_neverTouchTheBudget() {
        budget.add(1000); // spent by others
        Conn a = new Conn();
        a.send(new byte[] {3, 'a', 'b', 'c', 1, 'd'});
        assertEquals(2, a.frames());
        assertTrue(a.ch.config().isAutoRead());
        assertFalse(a.guard.waitingForRoom());
    }

    @Test
    void frameWithoutRoom_pausesTheConnection_untilAnotherFinishes() {
        Conn a = new Conn();
        Conn b = new Conn();
        a.send(head(600, 10));
        b.send(head(600, 10));
        assertEquals(602, budget.used(), "b's frame does not fit beside a's");
        assertFalse(b.ch.config().isAutoRead(), "b is not read");
        assertTrue(b.guard.waitingForRoom());

        a.send(new byte[590]); // a's frame is whole: its room goes to b
        assertEquals(1, a.frames());
        b.ch.runPendingTasks();
        assertFalse(b.guard.waitingForRoom());
        assertEquals(602, budget.used());
        assertEquals(List.of(PendingFrameGuard.ROOM), b.events, "the handler is told to read again");
        b.send(new byte[590]);
        assertEquals(1, b.frames());
        assertEquals(0, budget.used());
        assertFalse(a.ch.finish());
        assertFalse(b.ch.finish());
    }

    @Test
    void closedConnection_givesBackItsReservation() {
        Conn a = new Conn();
        Conn b = new Conn();
        a.send(head(600, 10));
        b.send(head(700, 1));
        a.ch.close();
        assertEquals(0, budget.used());
        b.ch.runPendingTasks();
        assertEquals(702, budget.used());
        b.ch.close();
        assertEquals(0, budget.used());
    }

    @Test
    void waiterThatClosed_passesItsTurnToTheNextInLine() {
        Conn a = new Conn();
        Conn b = new Conn();
        Conn c = new Conn();
        a.send(head(600, 10));
        b.send(head(700, 1)); // waits
        c.send(head(500, 1)); // waits behind b
        assertTrue(b.guard.waitingForRoom() && c.guard.waitingForRoom());
        b.ch.close();
        a.send(new byte[590]); // whole: the room goes to b, which is gone
        assertEquals(1, a.frames());
        b.ch.runPendingTasks();
        c.ch.runPendingTasks();
        assertFalse(c.guard.waitingForRoom(), "c got the room b did not take");
        assertEquals(502, budget.used());
        c.ch.close();
        assertFalse(a.ch.finish());
    }

    @Test
    void frameLargerThanTheWholeBudget_failsAsResourceExhausted() {
        Conn a = new Conn();
        FrameOverBudgetException e = assertThrows(FrameOverBudgetException.class,
                () -> a.send(head(1000, 5)));
        assertTrue(e.getMessage().contains("a request of 1002 bytes")
                && e.getMessage().contains("--max-pending-bytes 1000"), e.getMessage());
        assertEquals(kvs.proto.ErrorCode.RESOURCE_EXHAUSTED, ErrorMapper.decodeFailure(e).getCode());
        assertFalse(a.ch.config().isAutoRead());
        assertEquals(0, budget.used());
        assertNull(a.ch.readInbound());
        a.ch.close();
    }
}
