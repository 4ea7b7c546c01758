package dev.virtflash.hw.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.image.Images;
import dev.virtflash.memory.HostMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The write-back keeps raw images sparse: zero pages become holes, everything else is written as data. */
class SparseWriteBackTest {

    private static final int MIB = 1 << 20;
    private static final int SIZE = 4 * MIB;

    @TempDir
    Path dir;
    Path file;
    BlockBackend backend;
    HostMemory memory;
    WriteBack writeBack;

    @BeforeEach
    void open() throws IOException {
        file = SparseImage.raw(dir.resolve("vars.img"), SIZE);
        backend = Images.open(file, "raw", false);
        memory = HostMemory.allocate("test.vars", SIZE);
        writeBack = WriteBack.to(backend);
    }

    @AfterEach
    void close() throws IOException {
        memory.close();
        backend.close();
    }

    private byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        for (int i = 0; i < length; i += 512) {
            bytes[i] |= 1; // no all-zero sector by chance
        }
        return bytes;
    }

    private byte[] fileBytes() throws IOException {
        backend.flush();
        return Files.readAllBytes(file);
    }

    private byte[] memoryBytes() {
        byte[] bytes = new byte[SIZE];
        memory.read(0, bytes, 0, SIZE);
        return bytes;
    }

    @Test
    void zeroingWrittenDataGivesTheSpaceBack() throws IOException {
        long start = backend.allocatedBytes();
        memory.write(MIB, random(MIB, 1), 0, MIB);
        writeBack.write(memory, MIB, MIB);
        writeBack.flush();
        assertEquals(start + MIB, backend.allocatedBytes());
        assertArrayEquals(memoryBytes(), fileBytes());

        memory.fill(MIB, MIB, (byte) 0);
        writeBack.write(memory, MIB, MIB);
        writeBack.flush();
        assertEquals(start, backend.allocatedBytes(), "du returns to where it started");
        assertArrayEquals(new byte[SIZE], fileBytes());
        assertEquals(new BlockStatus(0, SIZE, BlockStatus.Kind.ZERO), backend.status(0, SIZE));
    }

    @Test
    void mixedRangesBecomeHolesAndData() throws IOException {
        // pages: data, zero, data, zero, zero, data, ... over 64 pages from 256 KiB
        int base = 256 * 1024;
        int pages = 64;
        boolean[] data = new boolean[pages];
        Random random = new Random(5);
        for (int p = 0; p < pages; p++) {
            data[p] = random.nextBoolean();
            if (data[p]) {
                memory.write(base + p * 4096L, random(4096, p), 0, 4096);
            }
        }
        // start with everything allocated, so that zero pages must be punched out
        backend.write(base, java.nio.ByteBuffer.wrap(random(pages * 4096, 99)));
        writeBack.write(memory, base, pages * 4096L);
        assertArrayEquals(memoryBytes(), fileBytes());
        long dataPages = 0;
        for (int p = 0; p < pages; p++) {
            BlockStatus status = backend.status(base + p * 4096L, 4096);
            assertEquals(data[p] ? BlockStatus.Kind.DATA : BlockStatus.Kind.ZERO, status.kind(), "page " + p);
            dataPages += data[p] ? 1 : 0;
        }
        // st_blocks also counts the file system's extent-tree blocks, which so many holes need (ext4: one block)
        long allocated = backend.allocatedBytes();
        assertTrue(allocated >= dataPages * 4096 && allocated <= dataPages * 4096 + 8192,
                allocated + " bytes allocated for " + dataPages + " data pages");
    }

    @Test
    void unalignedAndSectorAlignedEdges() throws IOException {
        byte[] all = random(SIZE, 11);
        backend.write(0, java.nio.ByteBuffer.wrap(all));
        // memory is zero: write back ranges with edges inside pages
        writeBack.write(memory, 512, 3 * 4096); // [512, 12800): 512-aligned edges, zeros
        writeBack.write(memory, 20000, 10000); // unaligned edges, zeros
        writeBack.write(memory, 40960 + 1, 1); // one byte
        byte[] expected = all.clone();
        Arrays.fill(expected, 512, 512 + 3 * 4096, (byte) 0);
        Arrays.fill(expected, 20000, 30000, (byte) 0);
        expected[40961] = 0;
        assertArrayEquals(expected, fileBytes());
        // the whole page inside [512, 12800) is a hole again
        assertEquals(BlockStatus.Kind.ZERO, backend.status(4096, 4096).kind());
        assertEquals(BlockStatus.Kind.ZERO, backend.status(8192, 4096).kind());
    }

    @Test
    void dataWithUnalignedEdgesIsWrittenExactly() throws IOException {
        byte[] bytes = random(10000, 12);
        memory.write(1001, bytes, 0, bytes.length);
        writeBack.write(memory, 1001, bytes.length);
        byte[] expected = new byte[SIZE];
        System.arraycopy(bytes, 0, expected, 1001, bytes.length);
        assertArrayEquals(expected, fileBytes());
    }

    @Test
    void outOfRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> writeBack.write(memory, SIZE - 4096, 8192));
        assertThrows(IllegalArgumentException.class, () -> writeBack.write(memory, -1, 10));
        assertThrows(IllegalArgumentException.class, () -> writeBack.write(memory, 0, 0));
        try (HostMemory small = HostMemory.allocate("small", 4096)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> WriteBack.to(backend).write(small, 4096, 4096));
            assertTrue(e.getMessage().contains("vars.img"), e.getMessage());
        }
    }
}
