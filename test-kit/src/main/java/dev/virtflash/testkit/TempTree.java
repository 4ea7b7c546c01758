package dev.virtflash.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The one way folders of images are removed: a test board's after a pass, a benchmark's work folders. */
public final class TempTree {

    private TempTree() {
    }

    /** Deletes {@code dir} and everything below it, deepest first; nothing happens if it does not exist. */
    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
