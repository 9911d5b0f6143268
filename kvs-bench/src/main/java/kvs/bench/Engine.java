package kvs.bench;

import java.io.IOException;
import java.nio.file.Path;
import kvs.store.Store;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/** The operations a benchmark needs, over kvs's store or RocksDB. */
interface Engine extends AutoCloseable {

    void set(byte[] key, byte[] value) throws Exception;

    byte[] get(byte[] key) throws Exception;

    @Override
    void close() throws Exception;

    static Engine open(String name, Path dir) throws Exception {
        return switch (name) {
            case "kvs" -> new Kvs(Store.open(dir));
            case "rocksdb" -> Rocks.open(dir);
            default -> throw new IllegalArgumentException("engine: kvs or rocksdb, not " + name);
        };
    }

    /** kvs's embedded store, default options. */
    record Kvs(Store store) implements Engine {
        @Override
        public void set(byte[] key, byte[] value) throws IOException {
            store.set(key, value);
        }

        @Override
        public byte[] get(byte[] key) throws IOException {
            return store.get(key);
        }

        @Override
        public void close() throws IOException {
            store.close();
        }
    }

    /** RocksDB with default options, the write-ahead log on and no sync: as kvs's default. */
    final class Rocks implements Engine {
        static {
            RocksDB.loadLibrary();
        }

        private final Options options;
        private final RocksDB db;
        private final WriteOptions write;

        private Rocks(Options options, RocksDB db) {
            this.options = options;
            this.db = db;
            this.write = new WriteOptions().setSync(false).setDisableWAL(false);
        }

        static Rocks open(Path dir) throws RocksDBException {
            Options options = new Options().setCreateIfMissing(true);
            return new Rocks(options, RocksDB.open(options, dir.toString()));
        }

        @Override
        public void set(byte[] key, byte[] value) throws RocksDBException {
            db.put(write, key, value);
        }

        @Override
        public byte[] get(byte[] key) throws RocksDBException {
            return db.get(key);
        }

        @Override
        public void close() {
            write.close();
            db.close();
            options.close();
        }
    }
}
