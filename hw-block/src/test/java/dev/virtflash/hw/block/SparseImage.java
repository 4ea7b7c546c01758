package dev.virtflash.hw.block;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one sparse-image fixture of the tests (shared through hw-block's test jar): a raw image of a given size whose
 * bytes after an optional head are a hole, as {@code truncate -s} makes it.
 */
public final class SparseImage {

    private SparseImage() {
    }

    /** A raw image of {@code size} bytes, all hole (an existing file is replaced). */
    public static Path raw(Path file, long size) throws IOException {
        return raw(file, size, new byte[0]);
    }

    /** A raw image of {@code size} bytes: {@code head} at offset 0, then a hole (an existing file is replaced). */
    public static Path raw(Path file, long size, byte[] head) throws IOException {
        Files.write(file, head);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
        return file;
    }
}
