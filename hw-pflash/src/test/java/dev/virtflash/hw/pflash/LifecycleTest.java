package dev.virtflash.hw.pflash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ImageFormatException;
import dev.virtflash.hw.block.SparseImage;
import dev.virtflash.hw.block.image.Images;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ownership, close, reset, ROM blobs, read-only configuration and failing write-back. */
class LifecycleTest {

    @TempDir
    Path dir;

    private Path image(String name) throws Exception {
        return SparseImage.raw(dir.resolve(name), Banks.VIRT_SIZE);
    }

    @Test
    void closeFlushesAndUnmapsButLeavesTheBackendToTheBoard() throws Exception {
        Path img = image("vars.img");
        try (BlockBackend backend = Images.open(img, "raw", false)) {
            RecordingWriteBack wb = new RecordingWriteBack();
            PflashCfi01 bank = PflashCfi01.virtBank("virt.flash1").backend(backend).writeBack(wb).build();
            bank.close();
            assertEquals(1, wb.flushes, "close flushes the write-back");
            assertTrue(bank.region().memory().isClosed(), "close unmaps the array");
            bank.close();
            assertEquals(1, wb.flushes, "close is idempotent");
            assertThrows(IllegalStateException.class, bank::reset);
            ImageFormatException locked = assertThrows(ImageFormatException.class,
                    () -> Images.open(img, "raw", false).close());
            assertTrue(locked.getMessage().startsWith(img.toString()), "the board still holds the image");
        }
        Images.open(img, "raw", false).close();
    }

    @Test
    void closeBackendTransfersOwnership() throws Exception {
        Path img = image("vars.img");
        BlockBackend backend = Images.open(img, "raw", false);
        PflashCfi01 bank = PflashCfi01.virtBank("virt.flash1").backend(backend).closeBackend(true).build();
        bank.close();
        Images.open(img, "raw", false).close();      // the lock is gone: the bank closed its backend
    }

    @Test
    void readOnlyFlagWithoutImageRefusesChanges() throws Exception {
        try (PflashCfi01 bank = Banks.build(PflashCfi01.virtBank("rom").readOnly(true))) {
            Bus bus = new Bus(bank);
            assertTrue(bank.readOnly());
            bus.w32(0, 0x20);
            bus.w32(0, 0xD0);
            assertEquals(0xA0, bank.status());
            bus.w32(0, 0xFF);
            assertEquals(0, bus.r32(0));
        }
    }

    @Test
    void failingWriteBackSetsNoStatusBitAndKeepsTheData() throws Exception {
        RecordingWriteBack wb = new RecordingWriteBack();
        wb.fail = true;
        try (PflashCfi01 bank = Banks.virtRam("virt.flash1", wb)) {
            Bus bus = new Bus(bank);
            assertEquals(0, bank.writeBackFailures());
            assertEquals(null, bank.lastWriteBackError());
            for (int i = 0; i < 30; i++) {                // more than the WARN burst: still no exception
                bus.w32(0, 0x40);
                bus.w32(4L * i, 0x1000 + i);
            }
            assertEquals(0x80, bank.status(), "QEMU only reports on stderr");
            bus.w32(0, 0x20);
            bus.w32(0, 0xD0);
            assertEquals(0x80, bank.status());
            assertEquals(31, wb.calls.size(), "every write-back was attempted");
            assertEquals(31, bank.writeBackFailures(), "every failure counted");
            assertEquals("injected write failure", bank.lastWriteBackError());
            bus.w32(0, 0xFF);
            assertEquals(0xFFFFFFFFL, bus.r32(0), "storage keeps the erase");
        }
    }

    @Test
    void blobsOnlyForBanksWithoutImageAndThatFit() throws Exception {
        Path img = image("code.img");
        try (BlockBackend backend = Images.open(img, "raw", false);
             PflashCfi01 bank = PflashCfi01.virtBank("virt.flash0").backend(backend).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> bank.loadBlob(new byte[4]));
            assertEquals("pflash 'virt.flash0' has the image " + img
                    + "; a ROM blob can only be loaded into a bank without an image", e.getMessage());
        }
        RecordingWriteBack wb = new RecordingWriteBack();
        try (PflashCfi01 bank = Banks.build(Banks.x8Pair("small"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> bank.loadBlob(new byte[(int) Banks.MiB * 8 + 1]));
            assertEquals("ROM blob of 8388609 bytes does not fit pflash 'small' of 8388608 bytes", e.getMessage());
            RecordingListener events = new RecordingListener();
            bank.region().addListener(events);
            byte[] blob = new byte[8192];
            blob[8191] = 1;
            bank.loadBlob(blob);
            assertEquals(List.of(new RecordingListener.Change(0, 8192)), events.changes, "the CPU must drop code");
            assertTrue(wb.calls.isEmpty());
            assertFalse(bank.persistent());
        }
    }

    @Test
    void twoBanksAreIndependent() throws Exception {
        try (PflashCfi01 a = Banks.qemuRam("virt.flash0"); PflashCfi01 b = Banks.qemuRam("virt.flash1")) {
            new Bus(a).w32(0, 0x98);
            assertEquals(WriteState.CFI_QUERY, a.state());
            assertEquals(WriteState.READ_ARRAY, b.state());
            new Bus(b).w32(0, 0x50);
            assertEquals(0x80, a.status());
            assertEquals(0, b.status());
        }
    }
}
