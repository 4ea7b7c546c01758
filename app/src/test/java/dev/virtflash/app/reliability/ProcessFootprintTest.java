package dev.virtflash.app.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What ProcessFootprint counts. */
class ProcessFootprintTest {

    @TempDir
    Path dir;

    @Test
    void footprintCountsAnOpenFile() throws IOException {
        Path f = Files.createFile(dir.resolve("f"));
        ProcessFootprint before = ProcessFootprint.sample();
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ProcessFootprint open = ProcessFootprint.sample();
            assertTrue(ch.isOpen());
            assertEquals(before.openFds() + 1, open.openFds());
            assertTrue(open.growthSince(before) > 0);
        }
        ProcessFootprint after = ProcessFootprint.sample();
        assertTrue(after.rssBytes() > 0 && after.mappings() > 0 && after.threads() > 0, after.describe());
        assertEquals(0.0, before.growthSince(before));
    }
}
