package dev.virtflash.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TempTreeTest {

    @TempDir
    Path dir;

    @Test
    void deletesEverythingBelowAndTheFolderAndIgnoresAMissingOne() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("a/b/c"));
        Files.writeString(tree.resolve("f"), "x");
        Files.writeString(dir.resolve("a/g"), "y");
        TempTree.delete(dir.resolve("a"));
        assertFalse(Files.exists(dir.resolve("a")));
        TempTree.delete(dir.resolve("a"));
        assertTrue(Files.isDirectory(dir));
    }
}
