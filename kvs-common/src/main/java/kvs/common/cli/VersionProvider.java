package kvs.common.cli;

import kvs.common.Version;
import picocli.CommandLine.IVersionProvider;

/** {@code --version} for every kvs command. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"${COMMAND-FULL-NAME} " + Version.get(),
            "Java ${java.version} (${java.vendor}), ${os.name} ${os.arch}"};
    }
}
