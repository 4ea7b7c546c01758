package dev.virtflash.hw.pflash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ImageFormatException;
import dev.virtflash.hw.block.SharedImages;
import dev.virtflash.hw.block.image.Images;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.Residency;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Read-only banks of one image share one sealed memory; they still answer CFI commands; writable banks do not share. */
class SharedReadOnlyBankTest {

    @Test
    void readOnlyBanksShareTheImagesPagesAndStillAnswerCommands(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("code.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(Banks.VIRT_SIZE);
            f.seek(0x100);
            f.writeInt(0x01020304);
        }
        SharedImages images = new SharedImages();
        try (BlockBackend a = Images.open(image, "raw", true); BlockBackend b = Images.open(image, "raw", true)) {
            PflashCfi01 first = PflashCfi01.virtBank("virt.flash0").backend(a).sharedImages(images).build();
            PflashCfi01 second = PflashCfi01.virtBank("board2.flash0").backend(b).sharedImages(images).build();
            HostMemory m = first.region().memory();
            assertSame(m, second.region().memory(), "one copy for both boards");
            assertTrue(first.fileMapped());
            assertEquals(image, first.sharedImage());
            assertEquals(4096, Residency.presentBytes(m), "the one page with data, the file's own");
            assertEquals(0, Residency.anonymousBytes(m));

            Bus bus = new Bus(first);
            bus.w32(0x55 * 4, 0x98);
            assertEquals(0x00510051L, bus.r32(0x40), "CFI query: 'Q'");
            bus.w32(0, 0xFF);
            bus.w32(0, 0x20);
            bus.w32(0, 0xD0);
            assertEquals(0xA0, first.status(), "erase fails: SR.5 | SR.7");
            bus.w32(0, 0x50);
            bus.w32(0x100, 0x40);
            bus.w32(0x100, 0);
            assertEquals(0x90, first.status(), "program fails: SR.4 | SR.7");
            bus.w32(0, 0xFF);
            assertEquals(WriteState.READ_ARRAY, first.state());
            assertEquals(0x04030201L, bus.r32(0x100), "data unchanged");
            assertEquals(0x04030201L, new Bus(second).r32(0x100));

            first.close();
            assertFalse(m.isClosed(), "the second board still reads it");
            second.close();
            assertTrue(m.isClosed(), "released with the last board");
            assertEquals(0, images.images());
        }
    }

    @Test
    void aWritableBankOwnsItsMemoryAndLocksOutASecondWriter(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("vars.img");
        Images.createRaw(image, Banks.VIRT_SIZE);
        SharedImages images = new SharedImages();
        try (BlockBackend w = Images.open(image, "raw", false);
             PflashCfi01 bank = PflashCfi01.virtBank("virt.flash1").backend(w).sharedImages(images).build()) {
            assertNull(bank.sharedImage());
            assertFalse(bank.region().memory().isSealed());
            assertEquals(0, images.images());
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.open(image, "raw", false));
            assertTrue(e.getMessage().contains("Failed to get \"write\" lock"), e.getMessage());
        }
    }
}
