package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StartFailures}: what each file-system failure on the data directory is reported as.
 * The exceptions are the JDK's own, as it throws them (path only); the tests that provoke them
 * for real are in {@link ServerMainTest}.
 */
class StartFailuresTest {

    @TempDir
    Path tmp;

    @Test
    void describe_deniedCreatingTheDirectory_namesItAndTheParentToLookAt() {
        Path dir = tmp.resolve("x").resolve("y");
        assertEquals("permission denied creating data directory " + dir + ": check that the user running"
                + " kvs-server may write there (ls -ld " + tmp.resolve("x") + ")",
                StartFailures.describe(new AccessDeniedException(dir.toString()), dir));
    }

    @Test
    void describe_deniedCreatingAParentOfTheDirectory_namesTheDirectoryAndThatParentsParent() {
        Path dir = tmp.resolve("x").resolve("y");
        assertEquals("permission denied creating data directory " + dir + ": check that the user running"
                + " kvs-server may write there (ls -ld " + tmp + ")",
                StartFailures.describe(new AccessDeniedException(tmp.resolve("x").toString()), dir));
    }

    @Test
    void describe_deniedOpeningAnExistingDirectory() {
        assertEquals("permission denied opening data directory " + tmp + ": check that the user running"
                + " kvs-server may read and write it (ls -ld " + tmp + ")",
                StartFailures.describe(new AccessDeniedException(tmp.toString()), tmp));
    }

    @Test
    void describe_deniedLocking_namesTheLockFile() {
        Path lock = tmp.resolve("LOCK");
        assertEquals("permission denied locking data directory " + tmp + " (file " + lock + "): check that"
                + " the user running kvs-server may read and write it (ls -l " + lock + ")",
                StartFailures.describe(new AccessDeniedException(lock.toString()), tmp));
    }

    @Test
    void describe_deniedReadingADataFile_asTheLoaderReportsIt() {
        Path data = tmp.resolve("000000001.data");
        IOException loader = new IOException("cannot read " + data + ": " + data + "; check the file",
                new AccessDeniedException(data.toString()));
        assertEquals("permission denied opening data file " + data + ": check that the user running"
                + " kvs-server may read and write it (ls -l " + data + ")", StartFailures.describe(loader, tmp));
    }

    @Test
    void describe_otherReason_saysItAndWhatToLookAt() throws IOException {
        Path file = Files.createFile(tmp.resolve("file"));
        Path dir = file.resolve("data");
        assertEquals("cannot create data directory " + dir + ": Not a directory; check it (ls -ld " + file
                + "), or choose another --dir",
                StartFailures.describe(new FileSystemException(dir.toString(), null, "Not a directory"), dir));
    }

    @Test
    void describe_notAboutTheDataDirectory_orNotAFileSystemFailure_keepsTheMessage() {
        assertEquals("cannot listen on 127.0.0.1:1: in use",
                StartFailures.describe(new IOException("cannot listen on 127.0.0.1:1: in use"), tmp));
        assertEquals("/etc/elsewhere: Is a directory", StartFailures.describe(
                new FileSystemException("/etc/elsewhere", null, "Is a directory"), tmp));
    }
}
