package kvs.client.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

/**
 * kvs-client's help, as main() builds the command line: broken at spaces only, at any width, so
 * that no option's name and label, no default and no address is cut; no colour in help that does
 * not go to the process's standard output.
 */
class ClientHelpTest {

    /** Each command's help: kvs-client's own, then each subcommand's (registered alone), then via help. */
    private static final List<List<String>> HELPS = List.of(List.of("--help"), List.of("set", "--help"),
            List.of("get", "--help"), List.of("rm", "--help"), List.of("compact", "--help"),
            List.of("ping", "--help"), List.of("stats", "--help"), List.of("bench", "--help"),
            List.of("help", "bench"));

    private static String help(List<String> args, int width) {
        String[] argv = args.toArray(String[]::new);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandLine cmd = ClientMain.commandLine(new ByteArrayInputStream(new byte[0]), out,
                new ByteArrayOutputStream(), argv);
        cmd.setUsageHelpAutoWidth(false);
        cmd.setUsageHelpWidth(width);
        assertEquals(0, cmd.execute(argv), args.toString());
        return out.toString(UTF_8);
    }

    private static List<String> words(String text) {
        return Arrays.asList(text.strip().split("\\s+"));
    }

    @Test
    void everyHelp_atEveryWidth_hasTheWordsOfHelpTooWideToWrap() {
        for (List<String> args : HELPS) {
            List<String> unwrapped = words(help(args, 1000));
            for (int width = 55; width <= 100; width += 5) {
                String help = help(args, width);
                assertEquals(unwrapped, words(help), args + " at width " + width + ":\n" + help);
            }
        }
    }

    @Test
    void noColour_inHelpWrittenElsewhere_evenWhenTheUserForcesIt() {
        String forced = System.getProperty("picocli.ansi");
        System.setProperty("picocli.ansi", "true"); // picocli's AUTO would colour even a pipe now
        try {
            for (List<String> args : HELPS) {
                assertFalse(help(args, 80).contains("\u001B["), args.toString());
            }
        } finally {
            if (forced == null) {
                System.clearProperty("picocli.ansi");
            } else {
                System.setProperty("picocli.ansi", forced);
            }
        }
    }
}
