package dev.virtflash.hw.block;

import java.io.IOException;
import java.nio.file.Path;

/** Opens a backing file read-only, for a format whose images sit on other images (qcow2). */
@FunctionalInterface
public interface BackingOpener {

    /**
     * Opens {@code path} read-only.
     *
     * @param format the format the overlay names for it, or {@code null} to detect it from the magic number
     */
    BlockBackend open(Path path, String format) throws IOException;
}
