package kvs.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import kvs.common.Version;
import kvs.proto.Get;
import kvs.proto.Incr;
import kvs.proto.Ping;
import kvs.proto.Request;
import kvs.proto.Rm;
import kvs.proto.SetCondition;
import kvs.proto.Stats;
import kvs.server.RespReplies.Kind;
import kvs.server.RespReplies.Render;
import kvs.store.DecimalInteger;
import kvs.store.NotAnIntegerException;

/**
 * The RESP front end: translates each command ({@code byte[][]} from {@link RespDecoder}) into the
 * kvs requests that do its work, passed on to {@link RequestHandler} as if a kvs client had sent
 * them, and queues in {@link RespReplies} how their responses make the command's reply. One
 * implementation of each operation, two front ends: a RESP GET is a kvs Get; {@code DEL a b} is
 * two Rms whose responses are counted; what needs no store (ECHO, HELLO, an unknown command's
 * error) rides on a Ping, so that its reply keeps its place among the others.
 *
 * <p>Made per connection; touched only on its event loop.
 */
final class RespCommands extends ChannelInboundHandlerAdapter {

    /** The RESP protocol level kvs speaks, as INFO and HELLO report it to clients that check. */
    static final String REDIS_VERSION = "7.0.0";
    private static final AtomicLong CLIENT_IDS = new AtomicLong();
    private static final Request PING = Request.newBuilder().setPing(Ping.getDefaultInstance()).build();
    private static final Request STATS = Request.newBuilder().setStats(Stats.getDefaultInstance()).build();
    private static final Request COUNT = Request.newBuilder().setCount(kvs.proto.Count.getDefaultInstance()).build();
    private static final Render COUNTED = Render.of(Kind.COUNTED, 1);
    private static final RespValue OK = RespValue.simple("OK");
    private static final Render BULK = Render.of(Kind.BULK, 1);
    private static final Render LENGTH = Render.of(Kind.LENGTH, 1);
    private static final Render OK_REPLY = Render.of(Kind.OK, 1);
    private static final Render INTEGER = Render.of(Kind.INTEGER, 1);
    private static final byte[] GET_NAME = {'g', 'e', 't'};
    private static final byte[] SET_NAME = {'s', 'e', 't'};

    private final RespReplies replies;
    private final ServerConfig config;
    private final int port;
    /** The store's clock, ms since the epoch: for the expiry times that would overflow it. */
    private final LongSupplier clock;
    private final long clientId = CLIENT_IDS.incrementAndGet();
    private String clientName;
    /**
     * The RESP version the replies of the commands read so far are in: HELLO's, as read (the
     * replies written may lag behind, in a pipeline).
     */
    private int protocol = 2;
    /** Set after QUIT: what follows is dropped. */
    private boolean quit;

    RespCommands(RespReplies replies, ServerConfig config, int port, LongSupplier clock) {
        this.replies = replies;
        this.config = config;
        this.port = port;
        this.clock = clock;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (quit) {
            return;
        }
        byte[][] args = (byte[][]) msg;
        String name = commandName(args[0]);
        RespCommandTable.Spec spec = RespCommandTable.COMMANDS.get(name);
        if (spec == null) {
            reply(ctx, RespValue.error(unknownCommand(args)));
        } else if (spec.arity() > 0 ? args.length != spec.arity() : args.length < -spec.arity()) {
            reply(ctx, wrongArity(name));
        } else {
            apply(ctx, name, args);
        }
    }

    /** The command's name in lower case; GET and SET, most of the traffic, without a new string. */
    private static String commandName(byte[] arg) {
        if (arg.length == 3) {
            if (equalsLowerCase(arg, GET_NAME)) {
                return "get";
            }
            if (equalsLowerCase(arg, SET_NAME)) {
                return "set";
            }
        }
        return new String(arg, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
    }

    /** Whether {@code arg} is {@code lower} (ASCII letters) in any case. */
    private static boolean equalsLowerCase(byte[] arg, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            if ((arg[i] | 0x20) != lower[i]) {
                return false;
            }
        }
        return true;
    }

    private void apply(ChannelHandlerContext ctx, String name, byte[][] args) {
        if (name.equals("del") || name.equals("exists") || name.equals("mget")) {
            // One reply for the command: a key the store refuses fails it whole, before any part.
            for (int i = 1; i < args.length; i++) {
                String refused = keyRefusal(args[i]);
                if (refused != null) {
                    reply(ctx, RespValue.error(refused));
                    return;
                }
            }
        }
        switch (name) {
            case "get" -> send(ctx, BULK, get(args[1]));
            case "strlen" -> send(ctx, LENGTH, get(args[1]));
            case "set" -> set(ctx, args);
            case "setex", "psetex" -> setex(ctx, name, args);
            case "expire", "pexpire", "expireat", "pexpireat" -> {
                RespExpiry.Parsed expire = RespExpiry.expire(name, args, clock.getAsLong());
                if (expire.error() != null) {
                    reply(ctx, RespValue.error(expire.error()));
                } else {
                    send(ctx, COUNTED, expire.request());
                }
            }
            case "persist" -> send(ctx, COUNTED, request().setPersist(
                    kvs.proto.Persist.newBuilder().setKey(bytes(args[1]))).build());
            case "ttl" -> send(ctx, Render.of(Kind.ROUNDED_SECONDS, 1), RespExpiry.ttl(args[1], false));
            case "pttl" -> send(ctx, INTEGER, RespExpiry.ttl(args[1], false));
            case "expiretime" -> send(ctx, Render.of(Kind.SECONDS, 1), RespExpiry.ttl(args[1], true));
            case "pexpiretime" -> send(ctx, INTEGER, RespExpiry.ttl(args[1], true));
            case "getdel" -> send(ctx, BULK, request().setRm(
                    Rm.newBuilder().setKey(bytes(args[1])).setReturnPrevious(true)).build());
            case "del" -> {
                List<Request> rms = new ArrayList<>(args.length - 1);
                for (int i = 1; i < args.length; i++) {
                    rms.add(request().setRm(Rm.newBuilder().setKey(bytes(args[i]))).build());
                }
                send(ctx, Render.of(Kind.COUNT, rms.size()), rms);
            }
            case "exists" -> {
                // One Exists: the keydir alone, no value read.
                kvs.proto.Exists.Builder exists = kvs.proto.Exists.newBuilder();
                for (int i = 1; i < args.length; i++) {
                    exists.addKeys(bytes(args[i]));
                }
                send(ctx, COUNTED, request().setExists(exists).build());
            }
            case "mget" -> send(ctx, Render.of(Kind.ARRAY, args.length - 1), gets(args, 1));
            case "mset" -> {
                if (args.length % 2 != 1) {
                    reply(ctx, wrongArity(name));
                    return;
                }
                // One SetMany: validated whole, appended with one write, all or nothing.
                kvs.proto.SetMany.Builder sets = kvs.proto.SetMany.newBuilder();
                for (int i = 1; i < args.length; i += 2) {
                    sets.addSets(kvs.proto.Set.newBuilder().setKey(bytes(args[i])).setValue(bytes(args[i + 1])));
                }
                send(ctx, OK_REPLY, request().setSetMany(sets).build());
            }
            case "incr" -> incr(ctx, args[1], 1);
            case "decr" -> incr(ctx, args[1], -1);
            case "incrby", "decrby" -> incrBy(ctx, name, args);
            case "ping" -> {
                if (args.length > 2) {
                    reply(ctx, wrongArity(name));
                } else if (args.length == 2 && args[1].length > MAX_ECHO_BYTES) {
                    reply(ctx, echoTooLong(name, args[1]));
                } else {
                    reply(ctx, args.length == 1 ? RespValue.simple("PONG") : RespValue.bulk(args[1]));
                }
            }
            case "echo" -> reply(ctx, args[1].length > MAX_ECHO_BYTES ? echoTooLong(name, args[1])
                    : RespValue.bulk(args[1]));
            case "quit" -> {
                quit = true;
                send(ctx, new Render(Kind.LITERAL, 1, OK, null, 0, true), PING);
            }
            case "hello" -> hello(ctx, args);
            case "select" -> reply(ctx, "0".equals(text(args[1])) ? OK
                    : RespValue.error("ERR DB index is out of range (kvs has one database, 0)"));
            case "dbsize" -> send(ctx, COUNTED, COUNT);
            case "scan" -> {
                RespScan.Parsed scan = RespScan.parse(args);
                if (scan.error() != null) {
                    reply(ctx, RespValue.error(scan.error()));
                } else {
                    send(ctx, Render.of(Kind.SCAN, 1), scan.request());
                }
            }
            case "info" -> info(ctx, args);
            case "command" -> command(ctx, args);
            case "client" -> client(ctx, args);
            case "config" -> config(ctx, args);
            case "flushall", "flushdb" -> reply(ctx, RespValue.error("ERR " + name.toUpperCase(Locale.ROOT)
                    + " is not supported: kvs cannot yet drop every key crash-safely; remove keys with DEL"));
            default -> throw new AssertionError("in the table but not handled: " + name);
        }
    }

    /**
     * SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL], with Redis 7.0's
     * rules: an option may be repeated (the last time counts), two that conflict are a syntax
     * error, and the time is checked after the options.
     */
    private void set(ChannelHandlerContext ctx, byte[][] args) {
        SetCondition condition = SetCondition.SET_ALWAYS;
        boolean returnPrevious = false;
        boolean keepTtl = false;
        RespExpiry.Unit unit = null;
        byte[] time = null;
        for (int i = 3; i < args.length; i++) {
            String option = text(args[i]).toUpperCase(Locale.ROOT);
            switch (option) {
                case "NX", "XX" -> {
                    SetCondition c = option.equals("NX") ? SetCondition.SET_IF_ABSENT : SetCondition.SET_IF_PRESENT;
                    if (condition != SetCondition.SET_ALWAYS && condition != c) {
                        reply(ctx, RespValue.error("ERR syntax error"));
                        return;
                    }
                    condition = c;
                }
                case "GET" -> returnPrevious = true;
                case "KEEPTTL" -> {
                    if (unit != null) {
                        reply(ctx, RespValue.error("ERR syntax error"));
                        return;
                    }
                    keepTtl = true;
                }
                case "EX", "PX", "EXAT", "PXAT" -> {
                    RespExpiry.Unit u = RespExpiry.Unit.valueOf(option);
                    if (keepTtl || (unit != null && unit != u) || i + 1 == args.length) {
                        reply(ctx, RespValue.error("ERR syntax error"));
                        return;
                    }
                    unit = u;
                    time = args[++i];
                }
                default -> {
                    reply(ctx, RespValue.error("ERR syntax error"));
                    return;
                }
            }
        }
        kvs.proto.Set.Builder set = kvs.proto.Set.newBuilder().setKey(bytes(args[1])).setValue(bytes(args[2]))
                .setCondition(condition).setReturnPrevious(returnPrevious).setKeepTtl(keepTtl);
        if (unit != null && !withExpiry(ctx, set, unit, time, "set")) {
            return;
        }
        send(ctx, returnPrevious ? BULK : OK_REPLY, request().setSet(set).build());
    }

    /** SETEX key seconds value, PSETEX key milliseconds value: a SET with EX or PX. */
    private void setex(ChannelHandlerContext ctx, String name, byte[][] args) {
        kvs.proto.Set.Builder set = kvs.proto.Set.newBuilder().setKey(bytes(args[1])).setValue(bytes(args[3]));
        if (withExpiry(ctx, set, name.equals("setex") ? RespExpiry.Unit.EX : RespExpiry.Unit.PX, args[2], name)) {
            send(ctx, OK_REPLY, request().setSet(set).build());
        }
    }

    /** Gives {@code set} the expiry {@code time} in {@code unit}; else answers Redis's error, false. */
    private boolean withExpiry(ChannelHandlerContext ctx, kvs.proto.Set.Builder set, RespExpiry.Unit unit,
            byte[] time, String command) {
        RespExpiry.SetExpiry expiry = RespExpiry.forSet(unit, time, command, clock.getAsLong());
        if (expiry.error() != null) {
            reply(ctx, RespValue.error(expiry.error()));
            return false;
        }
        set.setTtlMs(expiry.ttlMs()).setExpireAtMs(expiry.atMs());
        return true;
    }

    /** INCRBY key increment, DECRBY key decrement: the amount is an integer as Redis reads one. */
    private void incrBy(ChannelHandlerContext ctx, String name, byte[][] args) {
        long by;
        try {
            by = DecimalInteger.parse(args[2]);
        } catch (NotAnIntegerException e) {
            reply(ctx, RespValue.error("ERR " + e.getMessage()));
            return;
        }
        if (name.equals("decrby")) {
            if (by == Long.MIN_VALUE) {
                reply(ctx, RespValue.error("ERR decrement would overflow")); // its negation does not exist
                return;
            }
            by = -by;
        }
        incr(ctx, args[1], by);
    }

    /** One kvs Incr; the store's refusals are already in Redis's words. */
    private void incr(ChannelHandlerContext ctx, byte[] key, long by) {
        send(ctx, INTEGER, request().setIncr(Incr.newBuilder().setKey(bytes(key)).setBy(by)).build());
    }

    /** HELLO [protover [AUTH username password] [SETNAME clientname]]. */
    private void hello(ChannelHandlerContext ctx, byte[][] args) {
        int protocol = this.protocol;
        int i = 1;
        if (args.length > 1) {
            String v = text(args[1]);
            if (!v.equals("2") && !v.equals("3")) {
                reply(ctx, RespValue.error(v.matches("-?\\d+") ? "NOPROTO unsupported protocol version"
                        : "ERR Protocol version is not an integer or out of range"));
                return;
            }
            protocol = Integer.parseInt(v);
            i = 2;
        }
        String name = clientName;
        for (; i < args.length; i++) {
            String option = text(args[i]).toUpperCase(Locale.ROOT);
            if (option.equals("AUTH") && i + 2 < args.length) {
                if (!text(args[i + 1]).equals("default")) {
                    reply(ctx, RespValue.error("WRONGPASS invalid username-password pair or user is disabled."));
                    return;
                }
                i += 2; // the default user has no password: any is accepted, as Redis does
            } else if (option.equals("SETNAME") && i + 1 < args.length) {
                name = text(args[++i]);
                if (!validName(name)) {
                    reply(ctx, RespValue.error("ERR Client names cannot contain spaces, newlines or"
                            + " special characters."));
                    return;
                }
            } else {
                reply(ctx, RespValue.error("ERR Syntax error in HELLO option '" + text(args[i]) + "'"));
                return;
            }
        }
        clientName = name;
        this.protocol = protocol;
        RespValue info = RespValue.map("server", "kvs", "version", REDIS_VERSION, "proto", (long) protocol,
                "id", clientId, "mode", "standalone", "role", "master", "modules", RespValue.array());
        send(ctx, new Render(Kind.LITERAL, 1, info, null, protocol, false), PING);
    }

    private void command(ChannelHandlerContext ctx, byte[][] args) {
        if (args.length == 1) {
            reply(ctx, RespValue.array(RespCommandTable.COMMANDS.values().stream()
                    .map(RespCommandTable.Spec::info).toList()));
            return;
        }
        String sub = text(args[1]).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "COUNT" -> reply(ctx, RespValue.integer(RespCommandTable.COMMANDS.size()));
            case "INFO", "DOCS" -> {
                List<RespValue> out = new ArrayList<>();
                List<String> names = new ArrayList<>();
                for (int i = 2; i < args.length; i++) {
                    names.add(text(args[i]).toLowerCase(Locale.ROOT));
                }
                if (names.isEmpty()) {
                    names.addAll(RespCommandTable.COMMANDS.keySet());
                }
                for (String n : names) {
                    RespCommandTable.Spec spec = RespCommandTable.COMMANDS.get(n);
                    if (sub.equals("INFO")) {
                        out.add(spec == null ? RespValue.nil() : spec.info());
                    } else if (spec != null) {
                        out.add(RespValue.bulk(n));
                        out.add(spec.doc());
                    }
                }
                reply(ctx, sub.equals("INFO") ? RespValue.array(out) : RespValue.map(out));
            }
            default -> reply(ctx, unknownSubcommand(args, "COMMAND"));
        }
    }

    private void client(ChannelHandlerContext ctx, byte[][] args) {
        String sub = text(args[1]).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "ID" -> reply(ctx, RespValue.integer(clientId));
            case "GETNAME" -> reply(ctx, clientName == null ? RespValue.nil() : RespValue.bulk(clientName));
            case "SETNAME" -> {
                if (args.length != 3) {
                    reply(ctx, RespValue.error("ERR wrong number of arguments for 'client|setname' command"));
                } else if (!validName(text(args[2]))) {
                    reply(ctx, RespValue.error("ERR Client names cannot contain spaces, newlines or"
                            + " special characters."));
                } else {
                    clientName = text(args[2]).isEmpty() ? null : text(args[2]);
                    reply(ctx, OK);
                }
            }
            case "SETINFO" -> {
                String attr = args.length == 4 ? text(args[2]).toUpperCase(Locale.ROOT) : "";
                reply(ctx, args.length != 4 ? RespValue.error("ERR wrong number of arguments for"
                        + " 'client|setinfo' command") : attr.equals("LIB-NAME") || attr.equals("LIB-VER") ? OK
                        : RespValue.error("ERR Unrecognized option '" + text(args[2]) + "'"));
            }
            default -> reply(ctx, unknownSubcommand(args, "CLIENT"));
        }
    }

    /** CONFIG GET pattern...: the few parameters clients and redis-benchmark ask for. */
    private void config(ChannelHandlerContext ctx, byte[][] args) {
        if (!text(args[1]).equalsIgnoreCase("GET")) {
            reply(ctx, RespValue.error("ERR CONFIG " + text(args[1]).toUpperCase(Locale.ROOT)
                    + " is not supported: kvs is configured by its command-line flags (kvs-server --help)"));
            return;
        }
        if (args.length < 3) {
            reply(ctx, RespValue.error("ERR wrong number of arguments for 'config|get' command"));
            return;
        }
        Map<String, String> params = new java.util.LinkedHashMap<>();
        params.put("save", "");
        params.put("appendonly", "yes");
        params.put("appendfsync", switch (config.store().sync()) {
            case ALWAYS -> "always";
            case INTERVAL -> "everysec";
            case NEVER -> "no";
        });
        params.put("databases", "1");
        params.put("maxclients", Integer.toString(config.maxConnections()));
        params.put("proto-max-bulk-len", Integer.toString(config.maxValueBytes()));
        params.put("timeout", Long.toString(config.idleTimeout().toSeconds()));
        params.put("port", Integer.toString(port));
        List<RespValue> kv = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 2; i < args.length; i++) {
            String glob = text(args[i]).toLowerCase(Locale.ROOT);
            for (Map.Entry<String, String> e : params.entrySet()) {
                if (globMatches(glob, e.getKey()) && seen.add(e.getKey())) {
                    kv.add(RespValue.bulk(e.getKey()));
                    kv.add(RespValue.bulk(e.getValue()));
                }
            }
        }
        reply(ctx, RespValue.map(kv));
    }

    /** INFO [section ...]: Redis's sections, from the server's figures. */
    private void info(ChannelHandlerContext ctx, byte[][] args) {
        List<String> sections = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            sections.add(text(args[i]).toLowerCase(Locale.ROOT));
        }
        send(ctx, Render.fromStats(s -> RespValue.bulk(RespInfo.render(s, sections, config, port))), STATS);
    }

    private void reply(ChannelHandlerContext ctx, RespValue value) {
        send(ctx, Render.literal(value), PING);
    }

    private void send(ChannelHandlerContext ctx, Render render, Request request) {
        replies.expect(render);
        ctx.fireChannelRead(request);
    }

    private void send(ChannelHandlerContext ctx, Render render, List<Request> requests) {
        replies.expect(render);
        for (Request r : requests) {
            ctx.fireChannelRead(r);
        }
    }

    private static List<Request> gets(byte[][] args, int from) {
        List<Request> gets = new ArrayList<>(args.length - from);
        for (int i = from; i < args.length; i++) {
            gets.add(get(args[i]));
        }
        return gets;
    }

    private static Request get(byte[] key) {
        return request().setGet(Get.newBuilder().setKey(bytes(key))).build();
    }

    private static Request.Builder request() {
        return Request.newBuilder();
    }

    /** The argument's bytes, not copied: the decoder made the array for this command alone. */
    private static ByteString bytes(byte[] arg) {
        return UnsafeByteOperations.unsafeWrap(arg);
    }

    private static String text(byte[] arg) {
        return new String(arg, StandardCharsets.UTF_8);
    }

    /** StoreCommands's refusal of a key, in its words, or null if the store takes it. */
    private String keyRefusal(byte[] key) {
        if (key.length == 0) {
            return "ERR empty key: a key is 1 to " + config.maxKeyBytes() + " bytes";
        }
        if (key.length > config.maxKeyBytes()) {
            return "ERR key of " + key.length + " bytes is over the limit of " + config.maxKeyBytes() + " bytes";
        }
        return null;
    }

    private static boolean validName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '!' || c > '~') {
                return false;
            }
        }
        return true;
    }

    /**
     * The longest message ECHO and PING send back: their reply waits in the connection's reply
     * queue outside the memory budgets, which count what the store answers, so it is kept small.
     */
    static final int MAX_ECHO_BYTES = 64 * 1024;

    private static RespValue echoTooLong(String name, byte[] message) {
        return RespValue.error("ERR " + name.toUpperCase(Locale.ROOT) + " message of " + message.length
                + " bytes is over kvs's limit of " + MAX_ECHO_BYTES + " bytes");
    }

    static RespValue wrongArity(String name) {
        return RespValue.error("ERR wrong number of arguments for '" + name + "' command");
    }

    /** Redis's text: {@code ERR unknown command 'X', with args beginning with: 'a' 'b' }. */
    static String unknownCommand(byte[][] args) {
        StringBuilder b = new StringBuilder("ERR unknown command '").append(clip(text(args[0]), 128))
                .append("', with args beginning with: ");
        for (int i = 1; i < args.length && b.length() < 256; i++) {
            b.append('\'').append(clip(text(args[i]), 128)).append("' ");
        }
        return b.toString();
    }

    private static RespValue unknownSubcommand(byte[][] args, String command) {
        return RespValue.error("ERR unknown subcommand '" + clip(text(args[1]), 128) + "'. Try "
                + command + " HELP.");
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    /**
     * Whether {@code name} matches the Redis glob {@code glob} ({@code *}, {@code ?}): in time
     * linear in their lengths (a regular expression of many {@code *} backtracks exponentially,
     * and this runs on an event loop).
     */
    static boolean globMatches(String glob, String name) {
        int g = 0;
        int n = 0;
        int star = -1;
        int starMatch = 0;
        while (n < name.length()) {
            if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == name.charAt(n))) {
                g++;
                n++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                starMatch = n;
            } else if (star >= 0) {
                g = star + 1;
                n = ++starMatch;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }

    static String kvsVersion() {
        return Version.get();
    }
}
