package kvs.store;

import java.util.Locale;

/**
 * When the store fsyncs its writes: what an acknowledged write survives (docs/FORMAT.md,
 * "Durability"). Under every policy a write is in the file, handed to the OS, before it is
 * acknowledged, so it survives the death of the process.
 */
public enum SyncPolicy {
    /** Acknowledged after an fsync covers it: survives power loss. Concurrent writes share fsyncs. */
    ALWAYS,
    /** Fsynced in the background at least every sync interval: power loss loses at most that. */
    INTERVAL,
    /** Never fsynced but when a file is sealed and when the store closes: the OS decides. */
    NEVER;

    /** Parses {@code always}, {@code interval} or {@code never}, in any case. */
    public static SyncPolicy parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid sync policy '" + text
                    + "': expected always, interval or never", e);
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
