package kvs.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import kvs.proto.Request;
import kvs.proto.Response;

/**
 * The small sets that the connections of one event loop read in one round of the loop, appended
 * to the store together: one write and one hold of the store's lock for all of them, as Redis
 * gathers a loop round's appends to its log into one write. Without pipelining each connection
 * brings one set a read, so gathering per connection alone would still cost a write per set.
 *
 * <p>A connection whose read ended with sets joins the group ({@link #join}); the first to join
 * in a round schedules one task on the loop, which runs after the round's reads and applies them
 * all. Touched only by its event loop's thread: one group per thread.
 */
final class SetGroup {

    private static final FastThreadLocal<SetGroup> GROUPS = new FastThreadLocal<>() {
        @Override
        protected SetGroup initialValue() {
            return new SetGroup();
        }
    };

    private final List<RequestHandler> handlers = new ArrayList<>();
    private final List<ChannelHandlerContext> contexts = new ArrayList<>();
    private final List<Request> sets = new ArrayList<>();
    private boolean scheduled;

    /** The group of the calling event loop's thread. */
    static SetGroup current() {
        return GROUPS.get();
    }

    /** Adds a connection whose gathered sets wait; they are applied in a task of this round. */
    void join(RequestHandler handler, ChannelHandlerContext ctx) {
        handlers.add(handler);
        contexts.add(ctx);
        if (!scheduled) {
            scheduled = true;
            ctx.executor().execute(this::applyAll);
        }
    }

    private void applyAll() {
        scheduled = false;
        List<RequestHandler> hs = new ArrayList<>(handlers);
        List<ChannelHandlerContext> cs = new ArrayList<>(contexts);
        handlers.clear();
        contexts.clear();
        sets.clear();
        StoreCommands commands = null;
        for (RequestHandler h : hs) {
            sets.addAll(h.pendingSets());
            commands = h.commands();
        }
        List<CompletableFuture<Response>> done = null;
        if (!sets.isEmpty()) {
            try {
                done = commands.handleInlineSets(sets);
            } catch (Throwable t) {
                done = null; // each connection then goes its own way
            }
        }
        int from = 0;
        for (int i = 0; i < hs.size(); i++) {
            int n = hs.get(i).pendingSets().size();
            // Declined (a seal is due) or failed: each connection applies its own, its own way.
            try {
                hs.get(i).setsApplied(cs.get(i), done == null ? null : done.subList(from, from + n));
            } catch (Throwable t) {
                cs.get(i).close(); // never leave the others' sets unapplied for one connection
            }
            from += n;
        }
        sets.clear();
    }
}
