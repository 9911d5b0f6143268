package kvs.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.Map;
import kvs.proto.Get;
import kvs.proto.Request;
import kvs.proto.Rm;
import kvs.proto.Set;
import kvs.proto.SetMany;

/**
 * The requests of the data commands, built one way for {@link KvsClient} and for callers that
 * pipeline them on a {@link Connection} themselves. The byte arrays are wrapped, not copied:
 * do not change them until the request is sent.
 */
public final class Requests {

    private Requests() {
    }

    public static Request.Builder get(byte[] key) {
        return Request.newBuilder().setGet(Get.newBuilder().setKey(wrap(key)));
    }

    public static Request.Builder set(byte[] key, byte[] value) {
        return Request.newBuilder().setSet(plainSet(key, value));
    }

    /** One {@code SetMany} of {@code pairs}, in the map's order. */
    public static Request.Builder setMany(Map<byte[], byte[]> pairs) {
        SetMany.Builder many = SetMany.newBuilder();
        pairs.forEach((key, value) -> many.addSets(plainSet(key, value)));
        return Request.newBuilder().setSetMany(many);
    }

    /** An empty batch of writes, to fill and send as its {@link WriteBatch#request}. */
    public static WriteBatch batch() {
        return new WriteBatch(null);
    }

    public static Request.Builder rm(byte[] key) {
        return Request.newBuilder().setRm(Rm.newBuilder().setKey(wrap(key)));
    }

    private static Set.Builder plainSet(byte[] key, byte[] value) {
        return Set.newBuilder().setKey(wrap(key)).setValue(wrap(value));
    }

    static ByteString wrap(byte[] bytes) {
        return UnsafeByteOperations.unsafeWrap(bytes);
    }
}
