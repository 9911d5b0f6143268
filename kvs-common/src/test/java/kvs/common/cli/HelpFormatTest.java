package kvs.common.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import org.junit.jupiter.api.Test;

/**
 * Help broken at spaces only: at any width, help holds the same words as help too wide to wrap.
 * picocli alone breaks after colons and dots, which the fixture is full of.
 */
class HelpFormatTest {

    @Command(name = "fixture", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Serves data from ./kvs-data on 127.0.0.1:4000, or [::1]:4000, in files"
                    + " named NNNNNNNNN.data and NNNNNNNNN.hint, one line a record.",
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:done, with every key:value pair in place (see docs/FORMAT.md)",
                "1:failed: address 127.0.0.1:4000 in use, or a damaged file"},
            footerHeading = "Examples:%n",
            footer = {"  fixture --addr 127.0.0.1:4001 --dir ./kvs-data --max-value-bytes 64MiB --ratio 1:9"})
    static final class Fixture implements Callable<Integer> {
        @Option(names = "--addr", paramLabel = "IP:PORT", defaultValue = "127.0.0.1:4000",
                description = "Address: HOST:PORT, IPv6 in brackets ([::1]:4000). Default: ${DEFAULT-VALUE}.")
        String addr;

        @Option(names = "--dir", paramLabel = "PATH", defaultValue = "./kvs-data",
                description = "Data directory, created if missing. Default: ${DEFAULT-VALUE}.")
        Path dir;

        @Option(names = "--max-keydir-bytes", paramLabel = "SIZE|auto", defaultValue = "auto",
                description = "Memory for the keydir (the index: key:location, about 45 bytes a key)."
                        + " Default: ${DEFAULT-VALUE}.")
        String keydir;

        @Option(names = "--ratio", paramLabel = "SET:GET", defaultValue = "1:1",
                description = "Sets to gets, e.g. 1:9; 1:0 for sets only. Default: ${DEFAULT-VALUE}.")
        String ratio;

        @Override
        public Integer call() {
            return 0;
        }
    }

    private static CommandLine fixture(boolean formatted) {
        CommandLine cmd = new CommandLine(new Fixture());
        return formatted ? HelpFormat.apply(cmd, false) : cmd;
    }

    static String help(CommandLine cmd, int width) {
        cmd.setUsageHelpAutoWidth(false);
        cmd.setUsageHelpWidth(width);
        return cmd.getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    static List<String> words(String text) {
        return Arrays.asList(text.strip().split("\\s+"));
    }

    @Test
    void atEveryWidth_theWordsOfHelpTooWideToWrap() {
        List<String> unwrapped = words(help(fixture(true), 1000));
        for (int width = 55; width <= 120; width++) {
            String help = help(fixture(true), width);
            assertEquals(unwrapped, words(help), help);
            int max = width;
            assertTrue(help.lines().allMatch(l -> l.length() <= max), help);
        }
    }

    @Test
    void picoclisOwnBreaks_splitWords_soTheCheckAboveCanFail() {
        List<String> unwrapped = words(help(fixture(false), 1000));
        assertNotEquals(unwrapped, words(help(fixture(false), 60)));
    }

    @Test
    void wrappedLines_keepPicoclisIndents() {
        String help = help(fixture(true), 60);
        assertTrue(help.contains("\n      --addr=IP:PORT    Address: HOST:PORT, IPv6 in brackets\n"
                + "                          ([::1]:4000). Default:\n"
                + "                          127.0.0.1:4000.\n"), help);
        assertTrue(help.contains("\n  fixture --addr 127.0.0.1:4001 --dir ./kvs-data\n"
                + "    --max-value-bytes 64MiB --ratio 1:9"), "an example goes on indented: " + help);
    }

    @Test
    void colour_onlyWhereTheProcessesStdoutIs_whateverTheUserForces() {
        String forced = System.getProperty("picocli.ansi");
        System.setProperty("picocli.ansi", "true"); // as a user may, to force colour on AUTO
        try {
            CommandLine elsewhere = HelpFormat.apply(new CommandLine(new Fixture()), false);
            assertFalse(elsewhere.getUsageMessage().contains("\u001B["), "help to a captured stream");
            CommandLine stdout = HelpFormat.apply(new CommandLine(new Fixture()), true);
            assertTrue(stdout.getUsageMessage().contains("\u001B["), "AUTO honours picocli.ansi");
        } finally {
            if (forced == null) {
                System.clearProperty("picocli.ansi");
            } else {
                System.setProperty("picocli.ansi", forced);
            }
        }
    }

    @Test
    void lineEnd_afterTheLastWordThatFits_orTheFirstWordWhole() {
        assertEquals(7, HelpFormat.SpaceTable.lineEnd("one two three", 0, 10));
        assertEquals(13, HelpFormat.SpaceTable.lineEnd("one two three", 0, 13));
        assertEquals(13, HelpFormat.SpaceTable.lineEnd("one two three", 8, 5));
        assertEquals(14, HelpFormat.SpaceTable.lineEnd("127.0.0.1:4000 next", 0, 10), "a word too long stays whole");
        assertEquals(9, HelpFormat.SpaceTable.lineEnd("  example of", 0, 10), "leading spaces are no break");
    }

    @Test
    void columns_fromTheEnvironment_atLeastPicoclisNarrowest() {
        assertEquals(0, HelpFormat.columns(null));
        assertEquals(0, HelpFormat.columns("wide"));
        assertEquals(60, HelpFormat.columns("60"));
        assertEquals(55, HelpFormat.columns("20"));
    }
}
