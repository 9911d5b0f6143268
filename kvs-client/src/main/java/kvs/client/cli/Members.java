package kvs.client.cli;

import java.util.ArrayList;
import java.util.List;
import kvs.common.HostPort;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --addr}: one server, or the members of a replicated group separated by commas
 * ({@code 127.0.0.1:4001,127.0.0.1:4002,127.0.0.1:4003}), tried in turn, following the leader.
 */
record Members(List<HostPort> all) {

    Members {
        all = List.copyOf(all);
    }

    /** The first address: where a command that talks to one server goes. */
    HostPort first() {
        return all.get(0);
    }

    @Override
    public String toString() {
        return String.join(",", all.stream().map(HostPort::toString).toList());
    }

    static final class Converter implements ITypeConverter<Members> {
        @Override
        public Members convert(String value) {
            List<HostPort> members = new ArrayList<>();
            for (String part : value.split(",", -1)) {
                try {
                    HostPort a = HostPort.parse(part.strip());
                    if (members.contains(a)) {
                        throw new TypeConversionException(a + " is given twice");
                    }
                    members.add(a);
                } catch (IllegalArgumentException e) {
                    throw new TypeConversionException(e.getMessage());
                }
            }
            return new Members(members);
        }
    }
}
