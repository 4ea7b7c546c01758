package dev.virtflash.hw.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.image.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Raw images on this machine's file system (ext4, 4 KiB blocks: holes are whole blocks). */
class RawFileBackendTest {

    private static final int KIB = 1024;

    @TempDir
    Path dir;

    /** A sparse file of {@code size} bytes with random data at each {@code [start, end)} pair. */
    private Path sparse(String name, long size, long... extents) throws IOException {
        Path file = dir.resolve(name);
        Random random = new Random(size);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < extents.length; i += 2) {
                byte[] data = new byte[(int) (extents[i + 1] - extents[i])];
                random.nextBytes(data);
                channel.write(ByteBuffer.wrap(data), extents[i]);
            }
        }
        try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
        return file;
    }

    private static BlockStatus run(long offset, long length, BlockStatus.Kind kind) {
        return new BlockStatus(offset, length, kind);
    }

    @Test
    void holesDataAndTrailingHole() throws IOException {
        Path file = sparse("a.img", 1024 * KIB, 64 * KIB, 128 * KIB, 256 * KIB, 260 * KIB);
        try (BlockBackend raw = Images.open(file, "raw", true)) {
            assertEquals(1024 * KIB, raw.size());
            assertEquals(run(0, 64 * KIB, BlockStatus.Kind.ZERO), raw.status(0, raw.size()));
            assertEquals(run(64 * KIB, 64 * KIB, BlockStatus.Kind.DATA), raw.status(64 * KIB, raw.size()));
            assertEquals(run(128 * KIB, 128 * KIB, BlockStatus.Kind.ZERO), raw.status(128 * KIB, 1 << 30));
            assertEquals(run(256 * KIB, 4 * KIB, BlockStatus.Kind.DATA), raw.status(256 * KIB, 1 << 30));
            // after the last extent: the trailing hole, to the end
            assertEquals(run(260 * KIB, 764 * KIB, BlockStatus.Kind.ZERO), raw.status(260 * KIB, Long.MAX_VALUE));
            // inside a run, and cut by max
            assertEquals(run(100 * KIB, 28 * KIB, BlockStatus.Kind.DATA), raw.status(100 * KIB, raw.size()));
            assertEquals(run(70 * KIB, 1, BlockStatus.Kind.DATA), raw.status(70 * KIB, 1));
            assertEquals(run(10, 100, BlockStatus.Kind.ZERO), raw.status(10, 100));
            assertEquals(run(raw.size() - 1, 1, BlockStatus.Kind.ZERO), raw.status(raw.size() - 1, 0));
        }
    }

    @Test
    void mappingIsTheFileItself() throws IOException {
        Path file = sparse("m.img", 256 * KIB, 64 * KIB, 68 * KIB);
        try (BlockBackend raw = Images.open(file, "raw", true)) {
            Mapping hole = raw.mapping(0, raw.size());
            assertEquals(new Mapping(0, 64 * KIB, 0, true, true, false, 0, file, false), hole);
            Mapping data = raw.mapping(64 * KIB, raw.size());
            assertEquals(new Mapping(64 * KIB, 4 * KIB, 0, true, false, true, 64 * KIB, file, false), data);
            assertEquals(null, raw.backing());
            assertEquals(4 * KIB, raw.allocatedBytes());
        }
    }

    @Test
    void sizeIsRoundedUpToSectorsAndTheTailReadsZero() throws IOException {
        Path file = dir.resolve("odd.img");
        byte[] data = new byte[1000];
        new Random(7).nextBytes(data);
        data[999] = 1;
        Files.write(file, data);
        try (BlockBackend raw = Images.open(file, null, true)) {
            assertEquals("raw", raw.format());
            assertEquals(1024, raw.size());
            assertEquals(run(0, 1000, BlockStatus.Kind.DATA), raw.status(0, 1024));
            assertEquals(run(1000, 24, BlockStatus.Kind.ZERO), raw.status(1000, 1024));
            ByteBuffer all = ByteBuffer.allocate(1024);
            raw.read(0, all);
            byte[] expected = java.util.Arrays.copyOf(data, 1024);
            assertArrayEquals(expected, all.array());
        }
    }

    @Test
    void emptyFileIsAnEmptyImage() throws IOException {
        Path file = Files.createFile(dir.resolve("empty.img"));
        try (BlockBackend raw = Images.open(file, null, true)) {
            assertEquals(0, raw.size());
            assertThrows(IllegalArgumentException.class, () -> raw.status(0, 1));
        }
    }

    @Test
    void outOfBoundsAccessesAreRefusedWithTheNumbers() throws IOException {
        Path file = sparse("b.img", 64 * KIB);
        try (BlockBackend raw = Images.open(file, "raw", false)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> raw.read(64 * KIB - 1, ByteBuffer.allocate(2)));
            assertTrue(e.getMessage().contains("b.img") && e.getMessage().contains("65535")
                    && e.getMessage().contains("65536"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> raw.read(-1, ByteBuffer.allocate(1)));
            assertThrows(IllegalArgumentException.class, () -> raw.write(64 * KIB, ByteBuffer.allocate(1)));
            assertThrows(IllegalArgumentException.class, () -> raw.writeZeroes(60 * KIB, 8 * KIB));
            assertThrows(IllegalArgumentException.class, () -> raw.status(64 * KIB, 1));
            assertThrows(IllegalArgumentException.class, () -> raw.status(-512, 1));
            assertThrows(IllegalArgumentException.class, () -> raw.read(Long.MAX_VALUE, ByteBuffer.allocate(2)));
            // the last byte is fine
            raw.write(64 * KIB - 1, ByteBuffer.wrap(new byte[] {42}));
            ByteBuffer last = ByteBuffer.allocate(1);
            raw.read(64 * KIB - 1, last);
            assertEquals(42, last.get(0));
            assertEquals(64 * KIB, Files.size(file), "a write inside the image does not grow the file");
        }
    }

    @Test
    void readOnlyImageRefusesWrites() throws IOException {
        Path file = sparse("ro.img", 64 * KIB);
        try (BlockBackend raw = Images.open(file, "raw", true)) {
            assertTrue(raw.readOnly());
            IOException e = assertThrows(IOException.class, () -> raw.write(0, ByteBuffer.allocate(512)));
            assertTrue(e.getMessage().contains("ro.img") && e.getMessage().contains("read-only"), e.getMessage());
            assertThrows(IOException.class, () -> raw.writeZeroes(0, 512));
        }
        assertEquals(0, Files.readAllBytes(file)[0]);
    }

    @Test
    void writesLandAndPersistAcrossReopen() throws IOException {
        Path file = sparse("w.img", 128 * KIB);
        byte[] data = new byte[3000];
        new Random(3).nextBytes(data);
        try (BlockBackend raw = Images.open(file, "raw", false)) {
            raw.write(5000, ByteBuffer.wrap(data));
            raw.flush();
        }
        try (BlockBackend raw = Images.open(file, "raw", true)) {
            ByteBuffer back = ByteBuffer.allocate(3000);
            raw.read(5000, back);
            assertArrayEquals(data, back.array());
            assertEquals(run(4 * KIB, 4 * KIB, BlockStatus.Kind.DATA), raw.status(4 * KIB, 128 * KIB));
        }
    }

    @Test
    void writeZeroesPunchesAHole() throws IOException {
        Path file = sparse("z.img", 256 * KIB, 0, 256 * KIB);
        try (BlockBackend raw = Images.open(file, "raw", false)) {
            long before = raw.allocatedBytes();
            assertEquals(256 * KIB, before);
            raw.writeZeroes(64 * KIB, 128 * KIB);
            assertEquals(128 * KIB, raw.allocatedBytes());
            assertEquals(run(64 * KIB, 128 * KIB, BlockStatus.Kind.ZERO), raw.status(64 * KIB, raw.size()));
            ByteBuffer zeros = ByteBuffer.allocate(128 * KIB);
            raw.read(64 * KIB, zeros);
            assertTrue(java.util.Arrays.equals(new byte[128 * KIB], zeros.array()));
            assertEquals(256 * KIB, Files.size(file), "punching keeps the size");
        }
    }

    @Test
    void imageFileSetLengthGrowsWithAHole() throws IOException {
        Path file = sparse("g.img", 4 * KIB, 0, 4 * KIB);
        try (ImageFile image = ImageFile.open(file, false)) {
            image.setLength(16L << 20);
            assertEquals(16L << 20, image.length());
            assertEquals(4 * KIB, image.allocatedBytes());
            assertEquals(-1, image.nextData(4 * KIB));
            assertEquals(4 * KIB, image.nextHole(0));
            image.setLength(1000);
            assertEquals(1000, image.length());
            assertThrows(IllegalArgumentException.class, () -> image.setLength(-1));
        }
    }

    @Test
    void fullyAllocatedFileIsAllData() throws IOException {
        Path file = dir.resolve("full.img");
        Files.write(file, new byte[512 * KIB]);
        try (BlockBackend raw = Images.open(file, "raw", true)) {
            assertEquals(512 * KIB, raw.allocatedBytes());
            assertEquals(run(0, 512 * KIB, BlockStatus.Kind.DATA), raw.status(0, raw.size()));
        }
    }
}
