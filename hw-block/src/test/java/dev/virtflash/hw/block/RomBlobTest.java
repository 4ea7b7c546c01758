package dev.virtflash.hw.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.Residency;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code -bios} file loaded without a copy: its data pages are the file's page-cache pages until written, a write
 * makes that page alone the memory's own, the file never changes, and loading again (a reset) brings the file back.
 */
class RomBlobTest {

    private static final int PAGE = 4096;
    private static final long BANK = 1L << 20;

    @TempDir
    Path dir;

    /** Pages 0 and 1 of 0x11, page 2 zero, page 3 of 0x33, then 100 bytes of 0x44 (a partial last page). */
    private Path blob() throws IOException {
        byte[] b = new byte[4 * PAGE + 100];
        Arrays.fill(b, 0, 2 * PAGE, (byte) 0x11);
        Arrays.fill(b, 3 * PAGE, 4 * PAGE, (byte) 0x33);
        Arrays.fill(b, 4 * PAGE, b.length, (byte) 0x44);
        Path file = dir.resolve("u-boot.bin");
        Files.write(file, b);
        return file;
    }

    private static byte[] read(HostMemory m, long offset, int length) {
        byte[] b = new byte[length];
        m.read(offset, b, 0, length);
        return b;
    }

    @Test
    void theBlobsDataPagesAreTheFilesUntilTheGuestWritesOne() throws IOException {
        Path file = blob();
        byte[] original = Files.readAllBytes(file);
        try (RomBlob rom = RomBlob.open(file, BANK); HostMemory m = HostMemory.allocate("flash0", BANK)) {
            assertEquals(original.length, rom.size());
            assertEquals(3L * PAGE + 100, rom.nonZeroBytes(), "pages 0, 1 and 3, and the partial page's bytes");
            rom.loadInto(m);
            assertArrayEquals(original, read(m, 0, original.length));
            assertEquals(4L * PAGE, m.dataBytes(), "the zero page 2 is left untouched");
            assertFalse(m.holdsData(2 * PAGE));
            assertEquals(4L * PAGE, Residency.residentBytes(m));
            assertEquals(PAGE, Residency.anonymousBytes(m), "only the copied partial page is the memory's own");

            m.store(PAGE + 8, 4, 0x0BAD_F00DL); // a guest program: page 1 becomes a private copy
            m.fill(3 * PAGE, PAGE, (byte) 0xFF); // an erase over page 3
            assertEquals(0x0BAD_F00DL, m.load(PAGE + 8, 4));
            assertEquals(3L * PAGE, Residency.anonymousBytes(m), "pages 1 and 3 copied on write, plus the tail");
            assertEquals(0x1111_1111L, m.load(0, 4), "page 0 is still the file's");
            assertArrayEquals(original, Files.readAllBytes(file), "the file never changes");

            m.store(2 * PAGE, 8, -1L); // the guest writes the blob's zero page
            rom.loadInto(m); // a system reset
            assertArrayEquals(original, read(m, 0, original.length), "the blob again, byte for byte");
            assertFalse(m.holdsData(2 * PAGE), "the zero page given back");
            assertEquals(PAGE, Residency.anonymousBytes(m), "the private copies are gone");
            assertEquals(4L * PAGE, Residency.residentBytes(m));
        }
    }

    @Test
    void discardingAFilePageGivesZerosNotTheFile() throws IOException {
        Path file = blob();
        try (RomBlob rom = RomBlob.open(file, BANK); HostMemory m = HostMemory.allocate("flash0", BANK)) {
            rom.loadInto(m);
            m.discard(0, 2 * PAGE);
            assertEquals(0, m.load(0, 8));
            assertEquals(0, m.load(PAGE, 8));
            assertFalse(m.holdsData(0));
            m.store(16, 1, 0x5A);
            assertEquals(0x5A, m.load(16, 1));
            assertEquals(0, m.load(0, 8), "a fresh zero page, not the file's");
        }
    }

    @Test
    void twoMemoriesShareTheFilesPages() throws IOException {
        Path file = blob();
        try (RomBlob rom = RomBlob.open(file, BANK); HostMemory a = HostMemory.allocate("a", BANK);
             HostMemory b = HostMemory.allocate("b", BANK)) {
            rom.loadInto(a);
            rom.loadInto(b);
            a.store(0, 1, 0);
            assertEquals(0, a.load(0, 1));
            assertEquals(0x11, b.load(0, 1), "a's write is a's alone");
            assertEquals(PAGE, Residency.anonymousBytes(b));
            assertEquals(2L * PAGE, Residency.anonymousBytes(a));
        }
    }

    @Test
    void aBadFileIsOneLineNamingItAndWhatWasExpected() throws IOException {
        Path missing = dir.resolve("missing.bin");
        IOException e = assertThrows(ImageFormatException.class, () -> RomBlob.open(missing, BANK));
        assertEquals(missing + ": no such file", e.getMessage());
        Path big = dir.resolve("big.bin");
        Files.write(big, new byte[(int) BANK + 1]);
        e = assertThrows(ImageFormatException.class, () -> RomBlob.open(big, BANK));
        assertEquals(big + ": -bios of " + (BANK + 1) + " bytes, expected at most " + BANK
                + " (the size of flash bank 0)", e.getMessage());
        assertTrue(Files.exists(big));
    }

    @Test
    void aBlobTooLargeForTheMemoryIsRefused() throws IOException {
        try (RomBlob rom = RomBlob.open(blob(), BANK); HostMemory m = HostMemory.allocate("small", PAGE)) {
            assertThrows(IllegalArgumentException.class, () -> rom.loadInto(m));
        }
    }
}
