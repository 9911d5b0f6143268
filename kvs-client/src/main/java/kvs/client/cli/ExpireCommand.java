package kvs.client.cli;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvs-client expire KEY (DURATION | --at TIME)}. */
@Command(name = "expire", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Makes KEY expire after DURATION, or at TIME, by the server's clock, replacing any"
                + " expiry it had. Prints nothing.",
            "DURATION: " + ExpiryTimes.TTL_FORMS + ". TIME: " + ExpiryTimes.INSTANT_FORMS
                + "; a time already past removes KEY at once.",
            "A missing key prints 'Key not found' on standard error and exits 1.",
            "E.g. kvs-client expire session 30m; kvs-client expire report --at 2026-12-31T00:00:00Z"})
final class ExpireCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Spec
    CommandSpec spec;

    @Mixin
    KeyArgument key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DURATION", converter = ExpiryTimes.TtlConverter.class,
            description = "How long from now: 10 (seconds), 500ms, 10s, 2m, 1h, 1d.")
    Duration ttl;

    @Option(names = "--at", paramLabel = "TIME", converter = ExpiryTimes.InstantConverter.class,
            description = "When, instead of DURATION: ISO-8601 with its offset, e.g. 2026-12-31T00:00:00Z.")
    Instant at;

    @Override
    public Integer call() throws IOException {
        if ((ttl == null) == (at == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give either DURATION or --at TIME (one of them)");
        }
        byte[] k = key.bytes();
        boolean held;
        try (KvsClient kvs = main.connect()) {
            held = ttl != null ? kvs.expire(k, ttl) : kvs.expireAt(k, at);
        }
        return RmCommand.report(held, main.err());
    }
}
