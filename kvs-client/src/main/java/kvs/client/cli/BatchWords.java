package kvs.client.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A batch line split into words, with a shell's quoting (README, "Batch"): words are separated
 * by spaces and tabs; {@code "..."} quotes with {@code \"} and {@code \\} as the only escapes
 * (another backslash stands for itself); {@code '...'} quotes with no escapes at all; quoted and
 * unquoted pieces next to each other make one word ({@code a"b c"} is {@code ab c}), and
 * {@code ""} is an empty word.
 */
final class BatchWords {

    private BatchWords() {
    }

    /**
     * The words of {@code line}.
     *
     * @throws IllegalArgumentException saying what is wrong: a quote left open
     */
    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                continue;
            }
            inWord = true;
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated ' quote (at column " + (i + 1) + ")");
                }
                word.append(line, i + 1, end);
                i = end;
            } else if (c == '"') {
                i = doubleQuoted(line, i, word);
            } else {
                word.append(c);
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /** Appends the text of the {@code "} quote that opens at {@code open}; returns its closing index. */
    private static int doubleQuoted(String line, int open, StringBuilder word) {
        for (int i = open + 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                return i;
            }
            if (c == '\\' && i + 1 < line.length() && (line.charAt(i + 1) == '"' || line.charAt(i + 1) == '\\')) {
                c = line.charAt(++i);
            }
            word.append(c);
        }
        throw new IllegalArgumentException("unterminated \" quote (at column " + (open + 1) + ")");
    }
}
