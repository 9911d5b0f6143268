package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import kvs.common.HostPort;
import kvs.proto.ErrorCode;
import kvs.proto.Response;
import kvs.store.StoreOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keydir budget seen over a real socket: RESOURCE_EXHAUSTED for new keys, the rest goes on. */
class KeydirBudgetServerTest {

    private static final long BUDGET = 200_000;

    @TempDir
    Path dir;

    @Test
    void setOfANewKey_pastTheBudget_getsResourceExhaustedNamingTheLimit_existingKeysStillWork()
            throws IOException {
        ServerConfig config = ServerConfig.of(new HostPort("127.0.0.1", 0), dir)
                .withStore(StoreOptions.defaults().withMaxKeydirBytes(BUDGET));
        try (KvsServer server = KvsServer.start(config);
                RawSocket c = new RawSocket(server.localAddress())) {
            int held = -1;
            Response refused = null;
            for (int i = 0; i < 100_000 && refused == null; i++) {
                Response r = c.call(ServerTest.set(i + 1, "key" + i, "v" + i));
                if (r.getResultCase() == Response.ResultCase.ERROR) {
                    refused = r;
                    held = i;
                } else {
                    assertEquals(Response.ResultCase.DONE, r.getResultCase(), r.toString());
                }
            }
            assertTrue(refused != null, "100,000 keys fit in " + BUDGET + " bytes");
            assertTrue(held > 1000, "keys held: " + held);
            assertEquals(ErrorCode.RESOURCE_EXHAUSTED, refused.getError().getCode());
            String message = refused.getError().getMessage();
            assertTrue(message.contains(BUDGET + " bytes") && message.contains("--max-keydir-bytes"),
                    message);
            assertEquals(Response.ResultCase.NOT_FOUND,
                    c.call(ServerTest.get(200_001, "key" + held)).getResultCase(), "nothing was applied");
            assertEquals(Response.ResultCase.DONE,
                    c.call(ServerTest.set(200_002, "key0", "overwritten")).getResultCase());
            assertEquals(ByteString.copyFromUtf8("overwritten"),
                    c.call(ServerTest.get(200_003, "key0")).getValue().getValue());
            assertEquals(Response.ResultCase.DONE, c.call(ServerTest.rm(200_004, "key1")).getResultCase());
            assertEquals(Response.ResultCase.DONE,
                    c.call(ServerTest.set(200_005, "key" + held, "fits now")).getResultCase(),
                    "a removed key makes room for a new one as long");
            assertEquals(held, server.store().size());
        }
    }
}
