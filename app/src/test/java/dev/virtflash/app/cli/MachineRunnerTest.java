package dev.virtflash.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folder a payload run makes its images in. */
class MachineRunnerTest {

    @TempDir
    Path parent;

    @Test
    void payloadFoldersAreNewPrivateAndDistinct() throws Exception {
        Path a = MachineRunner.privateDirectory(parent);
        Path b = MachineRunner.privateDirectory(parent);
        assertNotEquals(a, b);
        for (Path dir : new Path[] {a, b}) {
            assertEquals(parent, dir.getParent());
            assertTrue(dir.getFileName().toString().startsWith("virtflash-" + ProcessHandle.current().pid() + "-"),
                    dir.toString());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        }
    }
}
