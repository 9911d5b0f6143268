package kvs.server;

import kvs.store.TestClock;

/** A {@link KvsSocketFixture} whose store's clock stands still at {@link #START} until a test moves it. */
abstract class ClockedSocketFixture extends KvsSocketFixture {

    static final long START = 1_800_000_000_000L;
    final TestClock clock = new TestClock(START);

    @Override
    ServerConfig config() {
        ServerConfig c = super.config();
        return c.withStore(c.store().withClock(clock));
    }
}
