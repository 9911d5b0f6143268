package kvs.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatchWordsTest {

    @Test
    void split_spacesAndTabs_separate() {
        assertEquals(List.of("set", "k", "v"), BatchWords.split("  set\tk   v "));
        assertEquals(List.of(), BatchWords.split("   "));
    }

    @Test
    void split_doubleQuotes_escapeOnlyQuoteAndBackslash() {
        assertEquals(List.of("set", "a b", "say \"hi\" \\ \\n"),
                BatchWords.split("set \"a b\" \"say \\\"hi\\\" \\\\ \\n\""));
    }

    @Test
    void split_singleQuotes_takeEverythingLiterally() {
        assertEquals(List.of("set", "k", "a \"b\" \\"), BatchWords.split("set k 'a \"b\" \\'"));
    }

    @Test
    void split_adjacentPiecesMakeOneWord_andEmptyQuotesAnEmptyWord() {
        assertEquals(List.of("ab c'd", ""), BatchWords.split("a\"b c\"\"'d\" ''"));
    }

    @Test
    void split_openQuote_saysWhichAndWhere() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchWords.split("set k \"v"));
        assertTrue(e.getMessage().contains("unterminated \" quote (at column 7)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BatchWords.split("set 'k v"));
        assertTrue(e.getMessage().contains("unterminated ' quote (at column 5)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BatchWords.split("set k \"v\\\""),
                "an escaped quote does not close");
    }
}
