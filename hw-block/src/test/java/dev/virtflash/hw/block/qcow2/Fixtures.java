package dev.virtflash.hw.block.qcow2;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Contents for fixtures: known extents of random bytes in a field of zeros. */
final class Fixtures {

    static final int KIB = 1024;
    static final int MIB = 1024 * 1024;

    private Fixtures() {
    }

    /** Fills {@code [offset, offset + length)} with random bytes (never a whole zero sector). */
    static void fill(byte[] data, long offset, int length, Random random) {
        byte[] chunk = new byte[length];
        random.nextBytes(chunk);
        for (int i = 0; i < length; i += 256) {
            chunk[i] |= 1;
        }
        System.arraycopy(chunk, 0, data, (int) offset, length);
    }

    /**
     * The base pattern of {@code size} bytes: data at 0 (so the container and the contents differ at once), across a
     * cluster boundary at an odd offset, a 256 KiB aligned extent at 1 MiB, one sector at 2 MiB + 512, and the tail.
     */
    static byte[] pattern(int size, long seed) {
        Random random = new Random(seed);
        byte[] data = new byte[size];
        fill(data, 0, 4096, random);
        fill(data, 100_000, 70_000, random);
        if (size >= MIB + 256 * KIB + 1000) {
            fill(data, MIB, 256 * KIB, random);
        } else {
            fill(data, size / 2, size / 8, random);
        }
        if (size > 2 * MIB + 1024) {
            fill(data, 2 * MIB + 512, 512, random);
        }
        fill(data, size - 1000, 1000, random);
        return data;
    }

    static Path write(Path dir, String name, byte[] data) throws IOException {
        Path path = dir.resolve(name);
        Files.write(path, data);
        return path;
    }
}
