package kvs.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code kvs-server --config FILE}: settings from a file, one {@code key = value} a line, the keys
 * being the command's long flags without their dashes ({@code addr = 127.0.0.1:4000}). Blank
 * lines and lines that begin with {@code #} are skipped; there are no quotes, escapes or
 * sections. A value means what it means after its flag: a relative path is relative to the
 * working directory, as on the command line.
 *
 * <p>The file is picocli's source of default values ({@link CommandLine.IDefaultValueProvider}),
 * so a flag on the command line wins over the file, and a value from the file goes through its
 * flag's own conversion. Each value is also checked as its flag alone would be when the file is
 * read ({@link ValueCheck}), so that a bad one is reported with its file and line and the flag's
 * own message. Flags that act rather than set ({@code --check}, {@code --dump}, ...) are refused:
 * a config file that repairs the store at every start would be a trap.
 */
final class ConfigFile implements CommandLine.IDefaultValueProvider {

    /** More than a config file of a few dozen settings needs: a larger file is not one. */
    static final int MAX_BYTES = 1 << 20;
    /** The flag that names the file, which the file cannot set in turn. */
    static final String FLAG = "--config";

    /** Checks one value as {@code --flag=value} alone; throws the flag's own error if it is bad. */
    @FunctionalInterface
    interface ValueCheck {
        void check(String flag, String value);
    }

    private record Setting(String value, int line) {
    }

    private final Path path;
    /** By long flag name, {@code --addr}. */
    private final Map<String, Setting> settings;

    private ConfigFile(Path path, Map<String, Setting> settings) {
        this.path = path;
        this.settings = settings;
    }

    /**
     * Reads and checks {@code path} against {@code spec}'s options.
     *
     * @param actions long flags that act rather than set, beyond those that take no value
     * @throws ParameterException naming the file and line of the first problem (exit 2)
     */
    static ConfigFile read(Path path, CommandSpec spec, Set<String> actions, ValueCheck check) {
        List<String> lines = text(path, spec).lines().toList();
        Map<String, Setting> settings = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = path + ":" + (i + 1) + ": ";
            int eq = line.indexOf('=');
            String key = eq < 0 ? "" : line.substring(0, eq).strip();
            String value = eq < 0 ? "" : line.substring(eq + 1).strip();
            if (key.isEmpty()) {
                throw new ParameterException(spec.commandLine(), where + "expected key = value, got '"
                        + line + "'");
            }
            String flag = "--" + key;
            String problem = problem(key, value, spec, actions, settings);
            if (problem == null) {
                try {
                    check.check(flag, value);
                } catch (ParameterException e) {
                    problem = e.getMessage();
                }
            }
            if (problem != null) {
                throw new ParameterException(spec.commandLine(), where + problem);
            }
            settings.put(flag, new Setting(value, i + 1));
        }
        return new ConfigFile(path, Map.copyOf(settings));
    }

    Path path() {
        return path;
    }

    /** The file's value for {@code arg}, or null if it has none (picocli then uses the flag's). */
    @Override
    public String defaultValue(ArgSpec arg) {
        Setting s = arg instanceof OptionSpec o ? settings.get(o.longestName()) : null;
        // picocli expands ${...} in default values and reads $$ as $: a value from the file is
        // taken as written, as it would be after its flag.
        return s == null ? null : s.value().replace("$", "$$");
    }

    /** The whole file as UTF-8 text, or a usage error saying why it cannot be read. */
    private static String text(Path path, CommandSpec spec) {
        String why;
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length <= MAX_BYTES) {
                String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
                // A byte-order mark (editors on Windows write one) is not part of the first key.
                return text.startsWith("\uFEFF") ? text.substring(1) : text;
            }
            why = "it is larger than 1MiB, too large for a config file";
        } catch (CharacterCodingException e) {
            why = "it is not UTF-8 text";
        } catch (NoSuchFileException e) {
            why = "no such file";
        } catch (AccessDeniedException e) {
            why = "permission denied (ls -l " + path + ")";
        } catch (FileSystemException e) {
            why = e.getReason() != null ? e.getReason() : e.toString();
        } catch (IOException e) {
            why = e.getMessage();
        }
        throw new ParameterException(spec.commandLine(), "cannot read config file " + path + ": " + why);
    }

    /** What is wrong with {@code key = value} on its own, or null if nothing is. */
    private static String problem(String key, String value, CommandSpec spec, Set<String> actions,
            Map<String, Setting> earlier) {
        String flag = "--" + key;
        OptionSpec option = spec.optionsMap().get(flag);
        if (option == null) {
            return unknown(key, spec, actions);
        }
        if (flag.equals(FLAG)) {
            return "a config file cannot name another";
        }
        if (!isSetting(option, actions)) {
            return "'" + key + "' is an action, not a setting: give " + flag + " on the command line";
        }
        if (value.isEmpty()) {
            return "'" + key + "' has no value";
        }
        if (quoted(value)) {
            return "no quotes are needed: " + key + " = " + value.substring(1, value.length() - 1);
        }
        Setting first = earlier.get(flag);
        return first == null ? null : "'" + key + "' is set twice, here and on line " + first.line();
    }

    /** Whether the file may set {@code option}: it takes a value and does not act. */
    private static boolean isSetting(OptionSpec option, Set<String> actions) {
        return option.arity().max() > 0 && !actions.contains(option.longestName())
                && !option.longestName().equals(FLAG);
    }

    private static boolean quoted(String value) {
        return value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')
                && value.charAt(value.length() - 1) == value.charAt(0);
    }

    /** Why {@code key} is unknown, with the nearest key that could be meant. */
    private static String unknown(String key, CommandSpec spec, Set<String> actions) {
        String bare = key.replaceFirst("^-+", "");
        String nearest = null;
        int best = Integer.MAX_VALUE;
        for (OptionSpec o : spec.options()) {
            String name = o.longestName();
            if (!name.startsWith("--") || !isSetting(o, actions)) {
                continue;
            }
            int d = distance(bare, name.substring(2));
            if (d < best) {
                best = d;
                nearest = name.substring(2);
            }
        }
        String hint = nearest == null || best > Math.max(2, bare.length() / 3) ? ""
                : best == 0 ? "; write it without the dashes: " + nearest
                : "; did you mean '" + nearest + "'?";
        return "unknown key '" + key + "'" + hint + " (the keys are the long flags of kvs-server --help,"
                + " without their dashes)";
    }

    /** Levenshtein distance: the fewest one-character edits that turn {@code a} into {@code b}. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
