package dev.virtflash.hw.pflash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.SparseImage;
import dev.virtflash.hw.block.image.Images;
import dev.virtflash.hw.block.WriteBack;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spec §1.9: QEMU's write-back granularity, counted call by call on a recording write-back in front of the real
 * sparse write-back to a raw image; afterwards the image equals the array.
 */
class WriteBackGranularityTest {

    private static final long BLOCK = Banks.BLOCK;
    private static final long SIZE = Banks.VIRT_SIZE;

    @TempDir
    Path dir;

    private BlockBackend backend;
    private RecordingWriteBack wb;
    private PflashCfi01 bank;
    private Bus bus;

    @BeforeEach
    void setUp() throws Exception {
        Path image = SparseImage.raw(dir.resolve("vars.img"), SIZE);
        backend = Images.open(image, "raw", false);
        wb = new RecordingWriteBack(WriteBack.to(backend));
        bank = PflashCfi01.virtBank("virt.flash1").backend(backend).writeBack(wb).build();
        bus = new Bus(bank);
    }

    @AfterEach
    void tearDown() throws Exception {
        bank.close();
        backend.close();
    }

    private static RecordingWriteBack.Call call(long offset, long length) {
        return new RecordingWriteBack.Call(offset, length);
    }

    private void assertImageEqualsArray() throws Exception {
        byte[] array = new byte[1 << 20];
        ByteBuffer file = ByteBuffer.allocate(1 << 20);
        for (long at = 0; at < SIZE; at += array.length) {
            bank.region().memory().read(at, array, 0, array.length);
            file.clear();
            backend.read(at, file);
            assertArrayEquals(array, file.array(), "image vs array at 0x" + Long.toHexString(at));
        }
    }

    @Test
    void eraseWritesTheWholeBlock() throws Exception {
        bus.w32(BLOCK + 0x1234, 0x20);
        bus.w32(0, 0xFF);
        bus.w8(SIZE - 1, 0x20);                       // the last byte chooses the last block
        bus.w8(SIZE - 1, 0xD0);
        assertEquals(List.of(call(BLOCK, BLOCK), call(SIZE - BLOCK, BLOCK)), wb.calls);
        assertImageEqualsArray();
    }

    @Test
    void wordProgramWritesItsSector() throws Exception {
        long[][] programs = {{0x1FC, 4}, {0x1FE, 2}, {0x1FF, 1}, {0x200, 4}, {SIZE - 4, 4}, {SIZE - 1, 1}};
        for (long[] p : programs) {
            bus.w32(0, 0x40);
            bank.region().write(p[0], (int) p[1], 0xC3C3C3C3L);
        }
        assertEquals(List.of(call(0, 512), call(0, 512), call(0, 512), call(0x200, 512), call(SIZE - 512, 512),
                call(SIZE - 512, 512)), wb.calls);
        assertImageEqualsArray();
    }

    @Test
    void bufferConfirmWritesTheWholeWindowOnlyOnSuccess() throws Exception {
        bus.w32(0x7008, 0xE8);
        bus.w32(0x7008, 1);
        bus.w32(0x7FF8, 0x11111111L);
        bus.w32(0x7FFC, 0x22222222L);
        assertTrue(wb.calls.isEmpty(), "data cycles write nothing");
        bus.w32(0x123456, 0xD0);
        assertEquals(List.of(call(0x7000, 4096)), wb.calls, "the window, including untouched bytes");

        bus.w32(0, 0xFF);
        bus.w32(0, 0xE8);
        bus.w32(0, 1);
        bus.w32(0x9000, 1);
        bus.w32(0x9004, 2);
        bus.w32(0, 0xFF);                             // abort
        bus.w32(0, 0xE8);
        bus.w32(0, 0);                                // count 0: one word
        bus.w32(0xA000, 1);
        bus.w32(0, 0xFF);                             // abort at the confirm cycle
        assertEquals(1, wb.calls.size(), "aborted or failed buffers write nothing");
        assertImageEqualsArray();
    }

    @Test
    void everyCallHappensInsideTheBusCycle() {
        bus.w32(0, 0x40);
        int before = wb.calls.size();
        bus.w32(0x40, 0x1234);
        assertEquals(before + 1, wb.calls.size(), "synchronous: written before write() returns");
        assertEquals(0, wb.flushes, "no flush per cycle (QEMU flushes at stop/exit)");
    }
}
