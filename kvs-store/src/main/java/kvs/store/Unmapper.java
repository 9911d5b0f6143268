package kvs.store;

import java.lang.reflect.Field;
import java.nio.MappedByteBuffer;

/**
 * Unmaps a {@link MappedByteBuffer} at once, through {@code sun.misc.Unsafe.invokeCleaner} (module
 * jdk.unsupported, there for this use since Java 9). Java itself unmaps only when the buffer is
 * garbage collected, and until then a deleted file's blocks stay in use. Where that is not
 * available, this does nothing and the collector unmaps. The caller must know that no thread
 * will touch the buffer again: a read of an unmapped buffer crashes the process.
 */
final class Unmapper {

    private static final sun.misc.Unsafe UNSAFE = unsafe();

    private Unmapper() {
    }

    static void unmap(MappedByteBuffer buffer) {
        if (UNSAFE != null) {
            try {
                UNSAFE.invokeCleaner(buffer);
            } catch (RuntimeException e) {
                // A duplicate or a slice, say: the collector unmaps it.
            }
        }
    }

    private static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
