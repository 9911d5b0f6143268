package kvs.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The commands the RESP listener knows, as {@code COMMAND}, {@code COMMAND INFO} and
 * {@code COMMAND DOCS} describe them to clients (redis-cli builds its hints and completion from
 * them), with their arity for the listener's own argument check: positive, exactly that many
 * arguments counting the name; negative, at least that many.
 */
final class RespCommandTable {

    /** One argument in {@code COMMAND DOCS}: a name, a type, and whether optional or repeated. */
    record Arg(String name, String type, boolean optional, boolean multiple, List<Arg> oneOf, String token) {

        Arg(String name, String type, boolean optional, boolean multiple, List<Arg> oneOf) {
            this(name, type, optional, multiple, oneOf, type.equals("pure-token") ? name.toUpperCase(Locale.ROOT) : null);
        }

        static Arg key() {
            return new Arg("key", "key", false, false, List.of());
        }

        static Arg string(String name) {
            return new Arg(name, "string", false, false, List.of());
        }

        Arg asOptional() {
            return new Arg(name, type, true, multiple, oneOf, token);
        }

        Arg asMultiple() {
            return new Arg(name, type, optional, true, oneOf, token);
        }

        /** This argument, introduced by {@code token}: SET's {@code EX seconds}. */
        Arg withToken(String token) {
            return new Arg(name, type, optional, multiple, oneOf, token);
        }

        static Arg token(String token) {
            return new Arg(token.toLowerCase(Locale.ROOT), "pure-token", false, false, List.of());
        }

        static Arg oneOf(String name, Arg... choices) {
            return new Arg(name, "oneof", false, false, List.of(choices));
        }

        RespValue doc() {
            List<Object> kv = new ArrayList<>(List.of("name", name, "type", type));
            if (token != null) {
                kv.addAll(List.of("token", token));
            }
            if (type.equals("key")) {
                kv.addAll(List.of("key_spec_index", 0L));
            }
            List<RespValue> flags = new ArrayList<>();
            if (optional) {
                flags.add(RespValue.simple("optional"));
            }
            if (multiple) {
                flags.add(RespValue.simple("multiple"));
            }
            if (!flags.isEmpty()) {
                kv.addAll(List.of("flags", RespValue.array(flags)));
            }
            if (!oneOf.isEmpty()) {
                kv.addAll(List.of("arguments", RespValue.array(oneOf.stream().map(Arg::doc).toList())));
            }
            return RespValue.map(kv.toArray());
        }
    }

    /** A command: its name, arity and flags as {@code COMMAND} gives them, and its docs. */
    record Spec(String name, int arity, List<String> flags, int firstKey, int lastKey, int step,
            String summary, String group, List<Arg> args) {

        RespValue info() {
            return RespValue.array(RespValue.bulk(name), RespValue.integer(arity),
                    RespValue.array(flags.stream().map(RespValue::simple).toList()),
                    RespValue.integer(firstKey), RespValue.integer(lastKey), RespValue.integer(step),
                    RespValue.array(), RespValue.array(), RespValue.array(), RespValue.array());
        }

        RespValue doc() {
            return RespValue.map("summary", summary, "since", "1.0.0", "group", group,
                    "complexity", "O(1) per key", "arguments", RespValue.array(args.stream().map(Arg::doc).toList()));
        }
    }

    static final Map<String, Spec> COMMANDS = new LinkedHashMap<>();

    /** An integer argument, introduced by {@code token} if not null (SET's {@code EX seconds}). */
    private static Arg integer(String name, String token) {
        Arg a = new Arg(name, "integer", false, false, List.of());
        return token == null ? a : a.withToken(token);
    }

    private static void add(String name, int arity, String flags, int first, int last, int step,
            String group, String summary, Arg... args) {
        COMMANDS.put(name, new Spec(name, arity, flags.isEmpty() ? List.of() : List.of(flags.split(" ")),
                first, last, step, summary, group, List.of(args)));
    }

    static {
        add("get", 2, "readonly fast", 1, 1, 1, "string", "Returns the value of a key.", Arg.key());
        add("set", -3, "write denyoom", 1, 1, 1, "string",
                "Sets the value of a key, optionally only if it is absent (NX) or present (XX), with an"
                        + " expiry (EX, PX, EXAT, PXAT) or keeping the key's (KEEPTTL); GET returns the previous"
                        + " value.",
                Arg.key(), Arg.string("value"),
                Arg.oneOf("condition", Arg.token("NX"), Arg.token("XX")).asOptional(), Arg.token("GET").asOptional(),
                Arg.oneOf("expiration", integer("seconds", "EX"), integer("milliseconds", "PX"),
                        integer("unix-time-seconds", "EXAT"), integer("unix-time-milliseconds", "PXAT"),
                        Arg.token("KEEPTTL")).asOptional());
        add("setex", 4, "write denyoom", 1, 1, 1, "string",
                "Sets the value of a key, expiring after a number of seconds.",
                Arg.key(), integer("seconds", null), Arg.string("value"));
        add("psetex", 4, "write denyoom", 1, 1, 1, "string",
                "Sets the value of a key, expiring after a number of milliseconds.",
                Arg.key(), integer("milliseconds", null), Arg.string("value"));
        add("expire", -3, "write fast", 1, 1, 1, "generic",
                "Makes a key expire after a number of seconds; 1 if it was there, else 0. NX, XX, GT and LT"
                        + " are refused.", Arg.key(), integer("seconds", null));
        add("pexpire", -3, "write fast", 1, 1, 1, "generic",
                "Makes a key expire after a number of milliseconds; 1 if it was there, else 0.",
                Arg.key(), integer("milliseconds", null));
        add("expireat", -3, "write fast", 1, 1, 1, "generic",
                "Makes a key expire at a Unix time in seconds; 1 if it was there, else 0.",
                Arg.key(), integer("unix-time-seconds", null));
        add("pexpireat", -3, "write fast", 1, 1, 1, "generic",
                "Makes a key expire at a Unix time in milliseconds; 1 if it was there, else 0.",
                Arg.key(), integer("unix-time-milliseconds", null));
        add("persist", 2, "write fast", 1, 1, 1, "generic",
                "Removes a key's expiry; 1 if it had one, else 0.", Arg.key());
        add("ttl", 2, "readonly fast", 1, 1, 1, "generic",
                "Returns a key's time to live in seconds: -1 no expiry, -2 no key.", Arg.key());
        add("pttl", 2, "readonly fast", 1, 1, 1, "generic",
                "Returns a key's time to live in milliseconds: -1 no expiry, -2 no key.", Arg.key());
        add("expiretime", 2, "readonly fast", 1, 1, 1, "generic",
                "Returns when a key expires, a Unix time in seconds: -1 no expiry, -2 no key.", Arg.key());
        add("pexpiretime", 2, "readonly fast", 1, 1, 1, "generic",
                "Returns when a key expires, a Unix time in milliseconds: -1 no expiry, -2 no key.", Arg.key());
        add("del", -2, "write", 1, -1, 1, "keyspace", "Deletes keys; returns how many there were.",
                Arg.key().asMultiple());
        add("exists", -2, "readonly fast", 1, -1, 1, "keyspace", "Counts the given keys that exist.",
                Arg.key().asMultiple());
        add("scan", -2, "readonly", 0, 0, 0, "generic",
                "Returns a page of keys and the cursor of the next (0: done). MATCH takes a prefix and"
                        + " '*' only; COUNT: keys a page, at most 10000; TYPE: string only.",
                new Arg("cursor", "integer", false, false, List.of()),
                new Arg("match", "pattern", true, false, List.of()),
                new Arg("count", "integer", true, false, List.of()),
                new Arg("type", "string", true, false, List.of()));
        add("mget", -2, "readonly fast", 1, -1, 1, "string", "Returns the values of keys.",
                Arg.key().asMultiple());
        add("mset", -3, "write denyoom", 1, -1, 2, "string", "Sets several keys, appended as one batch.",
                new Arg("data", "block", false, true, List.of(Arg.key(), Arg.string("value"))));
        add("getdel", 2, "write fast", 1, 1, 1, "string", "Returns the value of a key and deletes it.",
                Arg.key());
        add("strlen", 2, "readonly fast", 1, 1, 1, "string", "Returns the length of a key's value.",
                Arg.key());
        add("incr", 2, "write denyoom fast", 1, 1, 1, "string",
                "Adds 1 to a key's integer value (a missing key counts as 0); returns the new value.", Arg.key());
        add("incrby", 3, "write denyoom fast", 1, 1, 1, "string",
                "Adds an integer to a key's integer value (a missing key counts as 0); returns the new value.",
                Arg.key(), new Arg("increment", "integer", false, false, List.of()));
        add("decr", 2, "write denyoom fast", 1, 1, 1, "string",
                "Subtracts 1 from a key's integer value (a missing key counts as 0); returns the new value.",
                Arg.key());
        add("decrby", 3, "write denyoom fast", 1, 1, 1, "string",
                "Subtracts an integer from a key's integer value (a missing key counts as 0); returns the new"
                        + " value.", Arg.key(), new Arg("decrement", "integer", false, false, List.of()));
        add("ping", -1, "fast", 0, 0, 0, "connection", "Returns PONG, or the message given.",
                Arg.string("message").asOptional());
        add("echo", 2, "fast", 0, 0, 0, "connection", "Returns the message given.", Arg.string("message"));
        add("quit", -1, "fast", 0, 0, 0, "connection", "Closes the connection.");
        add("hello", -1, "fast", 0, 0, 0, "connection",
                "Handshakes with the server; HELLO 3 switches to RESP3.",
                new Arg("protover", "integer", true, false, List.of()));
        add("select", 2, "fast", 0, 0, 0, "connection", "Selects database 0, the only one.",
                new Arg("index", "integer", false, false, List.of()));
        add("dbsize", 1, "readonly fast", 0, 0, 0, "server", "Returns the number of keys.");
        add("info", -1, "", 0, 0, 0, "server", "Returns the server's figures in Redis's INFO format.",
                Arg.string("section").asOptional().asMultiple());
        add("command", -1, "", 0, 0, 0, "server", "Describes the commands: COUNT, INFO, DOCS.");
        add("client", -2, "", 0, 0, 0, "connection", "ID, SETNAME, GETNAME, SETINFO.",
                Arg.string("subcommand"));
        add("config", -2, "", 0, 0, 0, "server", "CONFIG GET: a few parameters, read-only.",
                Arg.string("subcommand"), Arg.string("parameter").asMultiple());
        add("flushall", -1, "write", 0, 0, 0, "server", "Refused: kvs cannot drop every key crash-safely yet.");
        add("flushdb", -1, "write", 0, 0, 0, "server", "Refused: kvs cannot drop every key crash-safely yet.");
    }

    private RespCommandTable() {
    }
}
