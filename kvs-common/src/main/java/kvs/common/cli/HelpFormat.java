package kvs.common.cli;

import java.util.IllegalFormatException;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.ColorScheme;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * How every kvs command line prints its help: lines broken at spaces only, colour only on a
 * terminal, and as wide as {@code COLUMNS} says when it is set.
 *
 * <p>picocli breaks lines where {@link java.text.BreakIterator} allows, and that is also after a
 * colon or a dot: {@code --addr=IP:} / {@code PORT}, {@code 127.0.0.1:} / {@code 4000},
 * {@code .} / {@code /kvs-data}. A value copied from help must be whole, so every table picocli
 * lays help out in is made here, of {@link SpaceTable}, which breaks at spaces; what it is
 * given still fits picocli's own rules, so that the columns and indents stay picocli's. A single
 * word wider than its column is still cut, as picocli does.
 */
public final class HelpFormat implements CommandLine.IHelpFactory {

    /** picocli's narrowest usage width. */
    private static final int MIN_WIDTH = 55;

    /**
     * Installs the format on {@code cmd} and the subcommands it has. {@code toProcessStdout}:
     * help goes to this process's standard output, where picocli's AUTO decides on colour (a
     * terminal, and no {@code NO_COLOR}); help written anywhere else has none.
     */
    public static CommandLine apply(CommandLine cmd, boolean toProcessStdout) {
        cmd.setHelpFactory(new HelpFormat());
        cmd.setColorScheme(Help.defaultColorScheme(toProcessStdout ? Ansi.AUTO : Ansi.OFF));
        int columns = columns(System.getenv("COLUMNS"));
        if (columns > 0) {
            cmd.setUsageHelpAutoWidth(false);
            cmd.setUsageHelpWidth(columns);
        }
        return cmd;
    }

    /** The width {@code COLUMNS} asks for (at least picocli's 55), or 0 if it asks none. */
    static int columns(String value) {
        try {
            return value == null ? 0 : Math.max(MIN_WIDTH, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public Help create(CommandSpec spec, ColorScheme colorScheme) {
        return new SpaceWrappedHelp(spec, colorScheme);
    }

    /** picocli's help with every table a {@link SpaceTable}: each override is picocli's own method, re-tabled. */
    static final class SpaceWrappedHelp extends Help {
        /** picocli's (private) cap on the synopsis's indent, a share of the width. */
        private static final double MAX_SYNOPSIS_INDENT = 0.9;

        SpaceWrappedHelp(CommandSpec spec, ColorScheme colorScheme) {
            super(spec, colorScheme);
        }

        private int width() {
            return commandSpec().usageMessage().width();
        }

        private SpaceTable table(TextTable like) {
            return new SpaceTable(colorScheme(), like.columns());
        }

        @Override
        protected String insertSynopsisCommandName(int headingLength, Text details) {
            // As picocli's: the command name after room for the heading, wrapped lines indented
            // to follow it unless that would take too much of the width.
            String name = commandSpec().qualifiedName();
            int indent = headingLength + name.length() + 1;
            CommandLine.Model.UsageMessageSpec usage = commandSpec().usageMessage();
            if (indent > usage.synopsisAutoIndentThreshold() * width()) {
                indent = usage.synopsisIndent() < 0 ? headingLength : usage.synopsisIndent();
                indent = Math.min(indent, (int) (MAX_SYNOPSIS_INDENT * width()));
            }
            SpaceTable table = table(TextTable.forColumnWidths(colorScheme(), width()));
            table.indentWrappedLines = indent;
            Text padding = Ansi.OFF.new Text("X".repeat(headingLength), colorScheme());
            table.addRowValues(padding.concat(colorScheme().commandText(name)).concat(details));
            return table.toString().substring(headingLength);
        }

        @Override
        public Layout createDefaultLayout(List<OptionSpec> options, List<PositionalParamSpec> positionals,
                ColorScheme scheme) {
            int longOptions = calcLongOptionColumnWidth(options, positionals, scheme);
            TextTable table = new SpaceTable(scheme,
                    TextTable.forDefaultColumns(scheme, longOptions, width()).columns());
            return new Layout(scheme, table, createDefaultOptionRenderer(), createDefaultParameterRenderer());
        }

        @Override
        public String header(Object... params) {
            return join(commandSpec().usageMessage().header(), 0, params);
        }

        @Override
        public String description(Object... params) {
            return join(commandSpec().usageMessage().description(), 0, params);
        }

        /** The footers are examples: a wrapped one goes on indented, under its command. */
        @Override
        public String footer(Object... params) {
            return join(commandSpec().usageMessage().footer(), 4, params);
        }

        /** As picocli's {@code Help.join}: each line formatted, and wrapped. */
        private String join(String[] lines, int wrappedIndent, Object... params) {
            SpaceTable table = table(TextTable.forColumnWidths(colorScheme(), width()));
            table.indentWrappedLines = wrappedIndent;
            for (String line : lines) {
                table.addRowValues(format(line, params));
            }
            return table.toString();
        }

        /** The exit codes: as picocli's, a key column as wide as the widest key, then the text. */
        @Override
        public TextTable createTextTable(Map<?, ?> map) {
            if (map == null || map.isEmpty()) {
                return super.createTextTable(map);
            }
            int keyLength = Math.min(width() - 4, widest(map.keySet()));
            SpaceTable table = new SpaceTable(colorScheme(), new Column[] {
                new Column(keyLength + 3, 2, Column.Overflow.SPAN),
                new Column(width() - (keyLength + 3), 2, Column.Overflow.WRAP)});
            for (Map.Entry<?, ?> e : map.entrySet()) {
                table.addRowValues(format(String.valueOf(e.getKey())), format(String.valueOf(e.getValue())));
            }
            return table;
        }

        /** The subcommands, as picocli's: name, then the first line of its description. */
        @Override
        public String commandList(Map<String, Help> subcommands) {
            if (subcommands.isEmpty()) {
                return "";
            }
            int nameLength = Math.min(widest(subcommands.keySet()), width() / 2);
            SpaceTable table = new SpaceTable(colorScheme(), new Column[] {
                new Column(nameLength + 2, 2, Column.Overflow.SPAN),
                new Column(width() - (nameLength + 2), 2, Column.Overflow.WRAP)});
            for (Help help : subcommands.values()) {
                CommandLine.Model.UsageMessageSpec usage = help.commandSpec().usageMessage();
                String[] first = usage.header().length > 0 ? usage.header() : usage.description();
                Text[] lines = colorScheme().text(format(first.length > 0 ? first[0] : "")).splitLines();
                for (int i = 0; i < lines.length; i++) {
                    table.addRowValues(i == 0 ? help.commandNamesText(", ") : Ansi.OFF.new Text(0), lines[i]);
                }
            }
            return table.toString();
        }

        private static int widest(Iterable<?> keys) {
            int widest = 0;
            for (Object key : keys) {
                widest = Math.max(widest, String.valueOf(key).length());
            }
            return widest;
        }

        /** As picocli's: {@code %n} and the like; text that is not a format string is kept as it is. */
        private static String format(String text, Object... params) {
            try {
                return text == null ? "" : String.format(text, params);
            } catch (IllegalFormatException e) {
                return text;
            }
        }
    }

    /**
     * A picocli table that breaks a wrapping column's lines at spaces only. Each line is cut
     * here and handed to picocli already fitting, so picocli's own break rules never apply.
     */
    static final class SpaceTable extends TextTable {
        private final ColorScheme colorScheme;

        SpaceTable(ColorScheme colorScheme, Column[] columns) {
            super(colorScheme, columns);
            this.colorScheme = colorScheme;
        }

        @Override
        public Cell putValue(int row, int col, Text value) {
            Column[] columns = columns();
            Column column = columns[col];
            boolean wraps = column.overflow == Column.Overflow.WRAP
                    || column.overflow == Column.Overflow.SPAN && col == columns.length - 1;
            if (!wraps || value == null) {
                return super.putValue(row, col, value);
            }
            String plain = value.plainString();
            int start = 0;
            int indent = column.indent;
            while (true) {
                int end = lineEnd(plain, start, column.width - indent);
                Text line = value.substring(start, end);
                if (indent > column.indent) {
                    line = Ansi.OFF.new Text(" ".repeat(indent - column.indent), colorScheme).concat(line);
                }
                Cell cell = super.putValue(row, col, line);
                start = end;
                while (start < plain.length() && plain.charAt(start) == ' ') {
                    start++;
                }
                if (start >= plain.length()) {
                    return cell;
                }
                addEmptyRow();
                row = cell.row + 1;
                indent = column.indent + indentWrappedLines;
            }
        }

        /**
         * Where the line that starts at {@code start} ends: after the last word that fits in
         * {@code room}, or after the first word if even that does not fit.
         */
        static int lineEnd(String text, int start, int room) {
            if (text.length() - start <= room) {
                return text.length();
            }
            int end = -1;
            for (int i = start; i <= start + room && i < text.length(); i++) {
                if (text.charAt(i) == ' ' && i > start && text.charAt(i - 1) != ' ') {
                    end = i;
                }
            }
            if (end < 0) {
                int space = text.indexOf(' ', start);
                end = space < 0 ? text.length() : space;
            }
            return end;
        }
    }
}
