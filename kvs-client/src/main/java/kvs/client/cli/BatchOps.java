package kvs.client.cli;

import java.nio.charset.StandardCharsets;
import java.util.List;
import kvs.client.Expiry;
import kvs.client.Requests;
import kvs.client.WriteBatch;

/**
 * The operations of {@code kvs-client batch} (and of a {@code batch} line in a {@code --batch}
 * file) written as words: {@code set KEY VALUE [--ttl DURATION | --expire-at TIME]} and
 * {@code rm KEY}, one after another, e.g. {@code set a 1 set b 2 --ttl 10s rm c}.
 */
final class BatchOps {

    static final String FORMS = "set KEY VALUE [--ttl DURATION | --expire-at TIME], rm KEY";

    private BatchOps() {
    }

    /**
     * The batch {@code words} spell.
     *
     * @throws IllegalArgumentException naming the word that is wrong and saying what was expected
     */
    static WriteBatch parse(List<String> words) {
        WriteBatch batch = Requests.batch();
        int i = 0;
        while (i < words.size()) {
            String op = words.get(i);
            switch (op) {
                case "set" -> {
                    need(words, i, 2, "set takes KEY and VALUE");
                    byte[] key = key(words.get(i + 1));
                    byte[] value = words.get(i + 2).getBytes(StandardCharsets.UTF_8);
                    i += 3;
                    Expiry expiry = Expiry.NONE;
                    if (i < words.size() && isExpiryOption(words.get(i))) {
                        need(words, i, 1, words.get(i) + " takes a value");
                        expiry = expiry(words.get(i), words.get(i + 1));
                        i += 2;
                    }
                    batch.set(key, value, expiry);
                }
                case "rm" -> {
                    need(words, i, 1, "rm takes KEY");
                    batch.remove(key(words.get(i + 1)));
                    i += 2;
                }
                default -> throw new IllegalArgumentException("'" + op + "' is not a batch operation"
                        + (isExpiryOption(op) ? " (an expiry option goes right after its set's VALUE, once)" : "")
                        + ": give " + FORMS + ", one after another");
            }
        }
        if (batch.size() == 0) {
            throw new IllegalArgumentException("an empty batch: give " + FORMS);
        }
        return batch;
    }

    private static boolean isExpiryOption(String word) {
        return word.equals("--ttl") || word.equals("--expire-at");
    }

    private static Expiry expiry(String option, String value) {
        return option.equals("--ttl") ? Expiry.after(ExpiryTimes.parseTtl(value))
                : Expiry.at(ExpiryTimes.parseInstant(value));
    }

    /** Fails unless {@code count} words follow the one at {@code at}. */
    private static void need(List<String> words, int at, int count, String what) {
        if (at + count >= words.size()) {
            throw new IllegalArgumentException("'" + words.get(at) + "' at the end is missing words: " + what);
        }
    }

    private static byte[] key(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        String refused = Keys.refusal(bytes);
        if (refused != null) {
            throw new IllegalArgumentException(refused + " ('" + key + "')");
        }
        return bytes;
    }
}
