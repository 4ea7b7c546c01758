package dev.virtflash.hw.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.image.Images;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.Residency;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Read-only images: one memory per image and version, the raw file's own pages, released with the last lease. */
class SharedImagesTest {

    private static final long SIZE = 4L << 20;
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    /** A raw image with data at three pages (one of them two pages long), zeros elsewhere; sparse or not. */
    private Path raw(String name, boolean sparse) throws IOException {
        Path file = dir.resolve(name);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            if (!sparse) {
                ch.write(ByteBuffer.allocate((int) SIZE), 0); // every byte allocated, most of them zero
            }
            ch.write(ByteBuffer.wrap(fill(PAGE, (byte) 0x11)), 0);
            ch.write(ByteBuffer.wrap(fill(2 * PAGE, (byte) 0x22)), 100 * PAGE);
            ch.write(ByteBuffer.wrap(fill(8, (byte) 0x33)), SIZE - 8);
            if (sparse) {
                ch.truncate(SIZE);
            }
        }
        return file;
    }

    private static byte[] fill(int n, byte v) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, v);
        return b;
    }

    @Test
    void aRawImageIsItsFilesPagesSharedByEveryLease() throws IOException {
        for (boolean sparse : new boolean[] {true, false}) {
            Path file = raw(sparse ? "sparse.img" : "full.img", sparse);
            SharedImages images = new SharedImages();
            try (BlockBackend a = Images.open(file, "raw", true); BlockBackend b = Images.open(file, "raw", true)) {
                SharedImages.Lease first = images.acquire(a, "bank-a", SIZE);
                SharedImages.Lease second = images.acquire(b, "bank-b", SIZE);
                HostMemory m = first.memory();
                assertSame(m, second.memory(), "one memory for both opens of the same file");
                assertTrue(first.fileMapped());
                assertEquals(file, first.file());
                assertEquals(1, images.images());
                long data = 4L * PAGE; // pages 0, 100, 101 and the last one; the zeros of a full file are left out
                assertEquals(data, m.dataBytes(), "sparse=" + sparse);
                assertEquals(data, Residency.presentBytes(m), "only the data pages are mapped, sparse=" + sparse);
                assertEquals(data, Residency.residentBytes(m));
                assertEquals(0, Residency.anonymousBytes(m), "none of it is memory the process owns");
                assertEquals(0x1111_1111L, m.load(0, 4));
                assertEquals(0x22L, m.load(101 * PAGE + PAGE - 1, 1));
                assertEquals(0x3333_3333_3333_3333L, m.load(SIZE - 8, 8));
                assertEquals(0, m.load(50 * PAGE, 8), "a hole reads zero without being touched");
                assertEquals(data, Residency.presentBytes(m));
                assertTrue(m.isSealed());
                assertThrows(IllegalStateException.class, () -> m.store(0, 4, 1));
                assertThrows(IllegalStateException.class, () -> m.fill(50 * PAGE, PAGE, (byte) 1));
                first.close();
                first.close(); // a second close does nothing
                assertFalse(m.isClosed(), "the second lease still holds it");
                second.close();
                assertTrue(m.isClosed(), "released with the last lease");
                assertEquals(0, images.images());
            }
        }
    }

    @Test
    void aChangedFileIsANewImage() throws IOException {
        Path file = raw("f.img", true);
        SharedImages images = new SharedImages();
        try (BlockBackend a = Images.open(file, "raw", true)) {
            try (SharedImages.Lease old = images.acquire(a, "a", SIZE)) {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(fill(4, (byte) 0x44)), 0);
                }
                Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
                try (BlockBackend b = Images.open(file, "raw", true);
                     SharedImages.Lease changed = images.acquire(b, "b", SIZE)) {
                    assertNotSame(old.memory(), changed.memory());
                    assertEquals(2, images.images());
                    assertEquals(0x4444_4444L, changed.memory().load(0, 4));
                }
            }
        }
    }

    @Test
    void aQcow2ImageIsDecodedOnceIntoOneSealedCopy() throws IOException {
        Path file = dir.resolve("f.qcow2");
        Images.create(file, "qcow2", SIZE);
        try (BlockBackend w = Images.open(file, "qcow2", false)) {
            w.write(3 * PAGE, ByteBuffer.wrap(fill(PAGE, (byte) 0x55)));
            w.flush();
        }
        SharedImages images = new SharedImages();
        try (BlockBackend a = Images.open(file, "qcow2", true); BlockBackend b = Images.open(file, "qcow2", true);
             SharedImages.Lease first = images.acquire(a, "a", SIZE);
             SharedImages.Lease second = images.acquire(b, "b", SIZE)) {
            HostMemory m = first.memory();
            assertSame(m, second.memory());
            assertFalse(first.fileMapped(), "qcow2 is decoded, not mapped");
            assertEquals(PAGE, m.dataBytes());
            assertEquals(PAGE, Residency.presentBytes(m));
            assertEquals(PAGE, Residency.anonymousBytes(m), "one decoded copy, owned by the registry");
            byte[] got = new byte[PAGE];
            m.read(3 * PAGE, got, 0, PAGE);
            assertArrayEquals(fill(PAGE, (byte) 0x55), got);
        }
        assertEquals(0, images.images());
    }
}
