package dev.virtflash.hw.pflash;

import static dev.virtflash.hw.pflash.Banks.BLOCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ImageFormatException;
import dev.virtflash.hw.block.SparseImage;
import dev.virtflash.hw.block.image.Images;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The numbered edge cases of spec §5 that concern the device (20, secure placement, belongs to the board), on banks
 * with QEMU 7.2's semantics as the spec describes them; where real NOR differs (5, 8), {@link RealNorTest}.
 */
class EdgeCaseTest {

    private PflashCfi01 bank;
    private Bus bus;
    private RecordingListener events;

    @BeforeEach
    void setUp() {
        bank = Banks.qemuRam("virt.flash1");
        bus = new Bus(bank);
        events = new RecordingListener();
        bank.region().addListener(events);
    }

    @AfterEach
    void tearDown() throws Exception {
        bank.close();
    }

    private void program32(long offset, long value) {
        bus.w32(offset, 0x40);
        bus.w32(offset, value);
        bus.w32(0, 0xFF);
    }

    @Test
    void edge01NarrowReadsIgnoreTheByteLane() {
        bus.w32(0, 0x98);
        for (long off = 0x40; off < 0x44; off++) {
            assertEquals(0x51, bus.r8(off), "CFI byte at 0x" + Long.toHexString(off));
        }
        assertEquals(0x0051, bus.r16(0x40));
        assertEquals(0x0051, bus.r16(0x42), "the high half gives the low half of the copied value");
        bus.w32(0, 0xFF);
        bus.w32(0, 0x90);
        for (long off = 0; off < 4; off++) {
            assertEquals(0x89, bus.r8(off), "ID byte at " + off);
            assertEquals(0x18, bus.r8(4 + off), "ID byte at " + (4 + off));
        }
        assertEquals(0x0018, bus.r16(6));
        bus.w32(0, 0x70);
        for (long off = 0; off < 4; off++) {
            assertEquals(0x80, bus.r8(off), "status byte at " + off);
        }
        assertEquals(0x0080, bus.r16(2));
    }

    @Test
    void edge02EightByteAccessesAreTwoCyclesLowerAddressFirst() {
        bus.w32(0, 0x98);
        assertEquals(0x00520052_00510051L, bus.r64(0x40), "md.q in CFI mode: ('R' << 32) | 'Q'");
        bus.w32(0, 0xFF);

        program32(0x80000, 0x0BADF00DL);
        // A 64-bit store after 0x40 programs 4 bytes; the upper half is a new command at wcycle 0.
        bus.w32(0x1000, 0x40);
        bus.w64(0x1000, 0x00000070_AABBCCDDL);
        assertEquals(WriteState.READ_STATUS, bank.state(), "upper half 0x70 = read status");
        bus.w32(0, 0xFF);
        assertEquals(0xAABBCCDDL, bus.r32(0x1000));
        assertEquals(0, bus.r32(0x1004), "the upper 4 bytes were not programmed");

        // Upper half with low byte 0x20: the block of the upper half's address is erased.
        bus.w32(0x80100, 0x40);
        bus.w64(0x80100, 0x12345620_11223344L);
        assertEquals(WriteState.ERASE_SETUP, bank.state());
        bus.w32(0, 0xFF);
        assertEquals(0xFFFFFFFFL, bus.r32(0x80100), "programmed, then erased by the second cycle");
        assertEquals(0xFFFFFFFFL, bus.r32(0x80000), "the whole block is erased");
        assertEquals(0xAABBCCDDL, bus.r32(0x1000), "other blocks untouched");
    }

    @Test
    void edge03CommandIsTheLowByte() {
        bus.w32(0, 0x00FF0098L);
        assertEquals(WriteState.CFI_QUERY, bank.state());
        assertEquals(0x00510051L, bus.r32(0x40));
        bus.w32(0, 0xFF);

        program32(0x40000, 0x55AA55AAL);
        bus.w32(0x40004, 0x12345620L);
        assertEquals(WriteState.ERASE_SETUP, bank.state());
        bus.w32(0, 0xFF);
        assertEquals(0xFFFFFFFFL, bus.r32(0x40000));
        bus.w16(0, 0xAB70);
        assertEquals(WriteState.READ_STATUS, bank.state(), "16-bit write 0xAB70 is 0x70");
    }

    @Test
    void edge04EraseHappensAtSetupAtTheSetupAddress() {
        program32(0, 0x11111111L);
        program32(BLOCK, 0x22222222L);
        program32(2 * BLOCK, 0x33333333L);

        bus.w32(BLOCK + 0x10, 0x20);
        bus.w32(0, 0xD0);                         // confirm at another block's address
        bus.w32(0, 0xFF);
        assertEquals(0x11111111L, bus.r32(0), "confirm address does not choose the block");
        assertEquals(0xFFFFFFFFL, bus.r32(BLOCK), "the setup address chose block 1");
        assertEquals(0x33333333L, bus.r32(2 * BLOCK));

        bus.w32(0, 0x20);
        bus.w32(0, 0xFF);                         // not a cancel
        assertEquals(0xFFFFFFFFL, bus.r32(0));

        bus.w32(2 * BLOCK, 0x20);
        bus.w32(2 * BLOCK, 0x33);                 // garbage: ERR, read-array, block already erased
        assertEquals(WriteState.READ_ARRAY, bank.state());
        assertTrue(bank.region().memory().load(2 * BLOCK, 1) == 0xFF);
        for (long off = 2 * BLOCK; off < 3 * BLOCK; off += 4096) {
            assertEquals(0xFFFFFFFFL, bus.r32(off), "erase fills 0xFF at 0x" + Long.toHexString(off));
        }
    }

    @Test
    void edge05ProgramOverwritesBothWays() {
        program32(0x200, 0x12345678L);
        program32(0x200, 0xFFFFFFFFL);
        assertEquals(0xFFFFFFFFL, bus.r32(0x200), "programming 0xFF restores ones");
        program32(0x200, 0x00000000L);
        program32(0x200, 0x000000A5L);
        assertEquals(0xA5, bus.r32(0x200), "0 -> 1 transitions succeed");
        bus.w8(0x300, 0x40);
        bus.w8(0x301, 0x5A);
        bus.w8(0, 0xFF);
        assertEquals(0x5A00, bus.r16(0x300), "the data width sets how many bytes change; no alignment to words");
    }

    @Test
    void edge06ReadArrayByteInsideASequenceIsDataOrCount() {
        bus.w32(0x400, 0x40);
        bus.w32(0x400, 0xFF);                     // data, not reset
        assertEquals(WriteState.READ_STATUS, bank.state());
        bus.w32(0, 0xFF);
        assertEquals(0xFF, bus.r32(0x400));

        bus.w32(0x1000, 0xE8);
        bus.w32(0x1000, 0xFF);                    // count 255: 256 data cycles
        assertEquals(WriteState.BUFFER_DATA, bank.state());
        for (int i = 0; i < 256; i++) {
            assertEquals(WriteState.BUFFER_DATA, bank.state(), "cycle " + i);
            bus.w8(0x1000 + i, 0xFF);             // 0xFF as data
        }
        assertEquals(WriteState.BUFFER_CONFIRM, bank.state());
        bus.w32(0x1000, 0xFF);                    // at confirm: abort, read-array
        assertEquals(WriteState.READ_ARRAY, bank.state());
        assertEquals(0, bus.r32(0x1000), "aborted buffer not committed");
        assertEquals(-1, bank.bufferWindow());
    }

    @Test
    void edge07CfiModeIsSticky() {
        bus.w32(0, 0x98);
        for (int cmd : new int[] {0xF0, 0x00, 0x70, 0x90, 0x50, 0xD0, 0x20, 0x40}) {
            bus.w32(0, cmd);
            assertEquals(WriteState.CFI_QUERY, bank.state(), "0x" + Integer.toHexString(cmd) + " ignored");
            assertEquals(0x00510051L, bus.r32(0x40));
        }
        assertEquals(0x80, bank.status(), "0x50 in CFI mode did not clear status");
        assertTrue(bank.region().memory().isZero(0, BLOCK), "0x20 in CFI mode erased nothing");
        bus.w32(0, 0xFF);
        assertEquals(WriteState.READ_ARRAY, bank.state());

        bus.w32(0, 0x70);
        bus.w32(0, 0x90);
        assertEquals(0x00890089L, bus.r32(0), "from status mode a new command is accepted");
        bus.w32(0, 0x98);
        assertEquals(0x00510051L, bus.r32(0x40), "from ID mode a new command is accepted");
    }

    @Test
    void edge08ClearStatusClearsReadyToo() {
        bus.w32(0, 0x50);
        assertEquals(WriteState.READ_ARRAY, bank.state());
        assertTrue(bank.region().romd());
        assertEquals(0, bank.status());
        bus.w32(0, 0x70);
        assertEquals(0, bus.r32(0), "busy until an operation sets SR.7");
        bus.w32(0, 0x60);
        bus.w32(0, 0xD0);
        assertEquals(0x00800080L, bus.r32(0));
    }

    @Test
    void edge09StatusIsPerBankAndStaysUntilReadArray() {
        bus.w32(3 * BLOCK, 0x20);
        bus.w32(3 * BLOCK, 0xD0);
        assertEquals(0x20, bank.command(), "QEMU keeps cmd 0x20");
        for (long off : new long[] {0, 3 * BLOCK, 0x3FFFFFC, 0x123450}) {
            assertEquals(0x00800080L, bus.r32(off), "status at 0x" + Long.toHexString(off));
        }
        for (int leave : new int[] {0xFF, 0x00, 0xF0, 0x50, 0xB0}) {
            bus.w32(0x100, 0x40);
            bus.w32(0x100, 0x1234);
            assertEquals(0x00800080L, bus.r32(0x3777770), "status after program, read anywhere");
            bus.w32(0, leave);
            assertEquals(WriteState.READ_ARRAY, bank.state(), "0x" + Integer.toHexString(leave) + " leaves");
            assertEquals(0x1234, bus.r32(0x100));
            bank.reset();
        }
    }

    @Test
    void edge10UnknownAndOutOfOrderCommandsGoToReadArraySilently() {
        program32(0x40, 0xCAFEF00DL);
        bus.w32(0, 0x50);                          // status 0x00 ...
        bus.w32(0, 0x60);
        bus.w32(0, 0xD0);                          // ... then 0x80: any change would show
        int status = bank.status();
        List<int[]> sequences = List.of(new int[] {0xD0}, new int[] {0xB0}, new int[] {0x01}, new int[] {0x2F},
                new int[] {0x28}, new int[] {0x03}, new int[] {0x80}, new int[] {0xC0}, new int[] {0xE9},
                new int[] {0x60, 0x2F}, new int[] {0x60, 0x03}, new int[] {0x60, 0x00}, new int[] {0x70, 0xD0},
                new int[] {0x90, 0xB0});
        for (int[] seq : sequences) {
            bus.w32(0, 0x70);
            for (int cmd : seq) {
                bus.w32(0x40, cmd);
            }
            String what = java.util.Arrays.toString(seq);
            assertEquals(WriteState.READ_ARRAY, bank.state(), what);
            assertEquals(status, bank.status(), "status unchanged by " + what);
            assertEquals(0xCAFEF00DL, bus.r32(0x40), "contents unchanged by " + what);
        }
        assertTrue(events.changes.size() == 1, "only the program changed the array: " + events.changes);
        // Erase setup followed by suspend: ERR after the erase already happened (spec §1.8).
        bus.w32(0x40, 0x20);
        bus.w32(0x40, 0xB0);
        assertEquals(WriteState.READ_ARRAY, bank.state());
        assertEquals(0xFFFFFFFFL, bus.r32(0x40));
        assertTrue(bank.region().memory().isZero(BLOCK, Banks.VIRT_SIZE - BLOCK), "other blocks untouched");
    }

    @Test
    void edge11BufferedWriteRules() {
        // The window is chosen by the first data cycle, not by the 0xE8 or count address.
        bus.w32(0, 0xE8);
        bus.w32(0, 0x0001);
        bus.w32(0x5008, 0x11111111L);
        assertEquals(0x5000, bank.bufferWindow());
        bus.w16(0x5FFE, 0x2222);
        bus.w32(0x3FFFFFC, 0xD0);                 // confirm at any address
        assertEquals(WriteState.READ_STATUS, bank.state());
        bus.w32(0, 0xFF);
        assertEquals(0x11111111L, bus.r32(0x5008));
        assertEquals(0x2222, bus.r16(0x5FFE));

        // Crossing into another window: SR.4, the whole buffer dropped at confirm.
        bus.w32(0, 0xE8);
        bus.w32(0, 0x0001);
        bus.w32(0x7000, 0x33333333L);
        bus.w32(0x8000, 0x44444444L);
        assertEquals(0x10, bank.status() & 0x10);
        bus.w32(0, 0xD0);
        assertEquals(WriteState.READ_ARRAY, bank.state(), "abort goes to read-array");
        assertEquals(0, bus.r32(0x7000));
        assertEquals(0, bus.r32(0x8000));

        // Sticky SR.4 aborts every later buffer until 0x50.
        bus.w32(0, 0xE8);
        bus.w32(0, 0x0000_0000L + 1);
        bus.w32(0x9000, 0x55555555L);
        bus.w32(0x9004, 0x66666666L);
        bus.w32(0, 0xD0);
        assertEquals(0, bus.r32(0x9000), "stale SR.4 aborted a correct buffer");
        bus.w32(0, 0x50);

        // count N = N + 1 cycles of any width.
        bus.w32(0, 0xE8);
        bus.w32(0, 0x0002);
        bus.w8(0xA000, 0x01);
        bus.w16(0xA002, 0x0302);
        assertEquals(WriteState.BUFFER_DATA, bank.state());
        bus.w32(0xA004, 0x07060504L);
        assertEquals(WriteState.BUFFER_CONFIRM, bank.state());
        bus.w32(0, 0xD0);
        bus.w32(0, 0xFF);
        assertEquals(0x03020001L, bus.r32(0xA000));
        assertEquals(0x07060504L, bus.r32(0xA004));
        assertEquals(0x80, bank.status());

        // count 0 always fails.
        bus.w32(0, 0xE8);
        bus.w32(0, 0x0000);
        bus.w32(0xB000, 0x77777777L);
        assertEquals(0x90, bank.status());
        bus.w32(0, 0xD0);
        assertEquals(WriteState.READ_ARRAY, bank.state());
        assertEquals(0, bus.r32(0xB000));
        bus.w32(0, 0x50);

        // A non-0xD0 confirm aborts.
        bus.w32(0, 0xE8);
        bus.w32(0, 0x0000_FFFF_0000_0001L & 0xFFFF);
        bus.w32(0xC000, 0x88888888L);
        bus.w32(0xC004, 0x99999999L);
        bus.w32(0, 0xD1);
        assertEquals(WriteState.READ_ARRAY, bank.state());
        assertEquals(0, bus.r32(0xC000));
        assertEquals(0, bank.status() & 0x10, "abort adds no status bit");

        // The count takes the low device-width bits (16 on virt): 0x00010001 is count 1 (EDK2's doubled word).
        bus.w32(0, 0xE8);
        bus.w32(0, 0x00010001L);
        bus.w32(0xD000, 0xAAAAAAAAL);
        bus.w32(0xD004, 0xBBBBBBBBL);
        assertEquals(WriteState.BUFFER_CONFIRM, bank.state());
        bus.w32(0, 0xD0);
        bus.w32(0, 0xFF);
        assertEquals(0xBBBBBBBBL, bus.r32(0xD004));
    }

    @Test
    void edge12ReadOnlyBankAndBankWithoutImage(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("code.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(Banks.VIRT_SIZE);
            f.seek(0x100);
            f.writeInt(0x01020304);
        }
        RecordingWriteBack wb = new RecordingWriteBack();
        try (BlockBackend backend = Images.open(image, "raw", true);
             PflashCfi01 ro = PflashCfi01.virtBank("virt.flash0").backend(backend).writeBack(wb)
                     .semantics(FlashSemantics.QEMU_7_2).build()) {
            assertTrue(ro.readOnly(), "a read-only image makes a read-only bank");
            Bus b = new Bus(ro);
            b.w32(0, 0x20);
            assertEquals(0xA0, ro.status(), "SR.5 | SR.7");
            b.w32(0, 0xFF);
            b.w32(0, 0x50);
            b.w32(0x100, 0x40);
            b.w32(0x100, 0);
            assertEquals(0x90, ro.status(), "SR.4 | SR.7");
            b.w32(0, 0x50);
            b.w32(0x100, 0xE8);
            b.w32(0x100, 1);
            b.w32(0x100, 0);
            b.w32(0x104, 0);
            b.w32(0x100, 0xD0);
            assertEquals(0x90, ro.status(), "buffered data refused: SR.4");
            assertEquals(WriteState.READ_ARRAY, ro.state());
            assertEquals(0x04030201L, b.r32(0x100), "data unchanged");
            assertTrue(wb.calls.isEmpty(), "nothing written back");
        }

        assertFalse(bank.persistent(), "no image: not persisted");
        assertFalse(bank.readOnly(), "no image: writable RAM");
        program32(0x100, 0x5A5A5A5AL);
        assertEquals(0x5A5A5A5AL, bus.r32(0x100));
    }

    @Test
    void edge13LockingIsANoOp() {
        bus.w32(0, 0x50);
        bus.w32(BLOCK, 0x60);
        bus.w32(BLOCK, 0x01);
        assertEquals(WriteState.READ_STATUS, bank.state());
        assertEquals(0x00800080L, bus.r32(0), "lock sets SR.7 only");
        bus.w32(BLOCK, 0x90);
        assertEquals(0, bus.r32(BLOCK + 8), "lock status (ID index 2) always 0");
        bus.w32(0, 0x50);
        bus.w32(BLOCK, 0x60);
        bus.w32(BLOCK, 0xD0);
        assertEquals(0x80, bank.status());
        bus.w32(BLOCK, 0x60);
        bus.w32(BLOCK, 0x2F);
        assertEquals(WriteState.READ_ARRAY, bank.state(), "lock-down goes to read-array");
        program32(BLOCK, 0x12121212L);
        assertEquals(0x12121212L, bus.r32(BLOCK), "a 'locked' block still programs");
    }

    @Test
    void edge14WritesInReadArrayAreCommandsNeverData() throws Exception {
        // AAVMF's stray writes to its own code bank (spec §4.2).
        bus.w32(0x1CB20, 0x00017384L);
        assertEquals(WriteState.READ_ARRAY, bank.state());
        bus.w32(0x1CB20, 0);
        assertEquals(WriteState.READ_ARRAY, bank.state());
        assertEquals(0, bus.r32(0x1CB20), "nothing stored");
        assertTrue(bank.region().memory().isZero(0, Banks.VIRT_SIZE), "contents unchanged");
        assertTrue(events.changes.isEmpty());
    }

    @Test
    void edge15EveryTransitionOfReadArrayIsReported() {
        bus.w32(0, 0x70);
        assertEquals(List.of(false), events.romd);
        assertFalse(bank.region().romd());
        assertEquals(0x00800080L, bank.region().read(0, 4), "'instruction fetch' in status mode gets status");
        bus.w32(0, 0x90);
        bus.w32(0, 0x98);
        assertEquals(List.of(false), events.romd, "moving between command modes is no transition");
        bus.w32(0, 0xFF);
        assertEquals(List.of(false, true), events.romd);
        bus.w32(0, 0xFF);
        bus.w32(0, 0x50);
        bus.w32(0, 0xB0);
        assertEquals(List.of(false, true), events.romd, "leaving and re-entering in one cycle is no transition");

        events.clear();
        bus.w32(BLOCK, 0x20);
        assertEquals(List.of("romd=false", "changed 0x40000+0x40000"), events.events,
                "romd drops before the erase is reported");
        bus.w32(BLOCK, 0xD0);
        bus.w32(0, 0x40);
        bus.w32(0x10, 0x1234);
        bus.w32(0, 0xFF);
        assertEquals(List.of("romd=false", "changed 0x40000+0x40000", "changed 0x10+0x4", "romd=true"),
                events.events);
        assertTrue(bank.region().romd());
    }

    @Test
    void edge16ResetKeepsStorageDropsBufferAndRecopiesTheBiosBlob() {
        byte[] blob = new byte[3 * 4096 + 17];
        for (int i = 0; i < blob.length; i++) {
            blob[i] = (byte) (i * 7 + 1);
        }
        blob[4096 + 5] = 0;
        java.util.Arrays.fill(blob, 8192, 12288, (byte) 0);
        bank.loadBlob(blob);
        assertEquals(blob[100] & 0xFF, bus.r8(100));

        bus.w32(0, 0x20);                          // erase the blob's block
        bus.w32(0, 0xD0);
        bus.w32(0x4000, 0xE8);
        bus.w32(0x4000, 3);
        bus.w32(0x4000, 0x12345678L);
        assertEquals(0x4000, bank.bufferWindow());
        bus.w32(0, 0x50);                          // data cycle: stays in the buffer
        assertEquals(WriteState.BUFFER_DATA, bank.state());

        bank.reset();
        assertEquals(WriteState.READ_ARRAY, bank.state());
        assertTrue(bank.region().romd());
        assertEquals(0x80, bank.status());
        assertEquals(-1, bank.bufferWindow(), "open buffer dropped");
        assertEquals(0xFFFFFFFFL, bus.r32(0), "storage kept across reset");
        bus.w32(0x4000, 0xD0);
        assertEquals(WriteState.READ_ARRAY, bank.state(), "0xD0 after reset is an unknown command");
        assertEquals(0xFFFFFFFFL, bus.r32(0x4000));

        bank.loadBlob(blob);                       // the board re-copies -bios after reset
        byte[] back = new byte[blob.length];
        bank.region().memory().read(0, back, 0, back.length);
        assertEquals(java.util.Arrays.toString(blob), java.util.Arrays.toString(back));
        assertEquals(0xFFFFFFFFL, bus.r32(blob.length + 3 & ~3L), "beyond the blob the erase stays");
    }

    @Test
    void edge17WriteBackGranularityIsSynchronous() throws Exception {
        RecordingWriteBack wb = new RecordingWriteBack();
        try (PflashCfi01 b = Banks.build(PflashCfi01.virtBank("virt.flash1").writeBack(wb)
                .semantics(FlashSemantics.QEMU_7_2))) {
            Bus x = new Bus(b);
            x.w32(BLOCK + 0x1234, 0x20);
            assertEquals(List.of(new RecordingWriteBack.Call(BLOCK, BLOCK)), wb.calls, "erase: the 256 KiB block");
            x.w32(0, 0xD0);
            x.w32(0, 0x40);
            x.w32(0x2204, 0x1);
            assertEquals(new RecordingWriteBack.Call(0x2200, 512), wb.calls.get(1), "word program: its sector");
            x.w32(0, 0xE8);
            x.w32(0, 0);                             // count 0: fails, nothing written back
            x.w32(0, 0);
            x.w32(0, 0xD0);
            x.w32(0, 0x50);
            x.w32(0, 0xE8);
            x.w32(0, 1);
            x.w32(0x6010, 1);
            x.w32(0x6014, 2);
            assertEquals(2, wb.calls.size(), "nothing written before confirm");
            x.w32(0, 0xD0);
            assertEquals(new RecordingWriteBack.Call(0x6000, 4096), wb.calls.get(2), "buffer: the 4 KiB window");
        }
    }

    @Test
    void edge18ImageSizeMustBeExact(@TempDir Path dir) throws Exception {
        for (long size : new long[] {786432, Banks.VIRT_SIZE - 512, Banks.VIRT_SIZE + 512}) {
            Path image = SparseImage.raw(dir.resolve("vars-" + size + ".img"), size);
            try (BlockBackend backend = Images.open(image, "raw", false)) {
                ImageFormatException e = assertThrows(ImageFormatException.class,
                        () -> PflashCfi01.virtBank("virt.flash1").backend(backend).build());
                assertEquals(image + ": cfi.pflash01 device 'virt.flash1' requires 67108864 bytes, the image provides "
                        + size + " bytes", e.getMessage());
            }
        }
        // Zero regions (holes) load as 0x00; data loads byte for byte.
        Path image = dir.resolve("sparse.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(Banks.VIRT_SIZE);
            f.seek(40 * Banks.MiB + 1);
            f.write(new byte[] {1, 2, 3});
            f.seek(Banks.VIRT_SIZE - 1);
            f.write(0x7F);
        }
        try (BlockBackend backend = Images.open(image, "raw", false);
             PflashCfi01 b = PflashCfi01.virtBank("virt.flash1").backend(backend)
                     .semantics(FlashSemantics.QEMU_7_2).build()) {
            Bus x = new Bus(b);
            assertEquals(0x03020100L, x.r32(40 * Banks.MiB));
            assertEquals(0x7F000000L, x.r32(Banks.VIRT_SIZE - 4));
            assertTrue(b.region().memory().isZero(0, 40 * Banks.MiB));
        }
    }

    @Test
    void edge19BlankFlashReadsZero() {
        assertEquals(0, bus.r32(0));
        assertEquals(0, bus.r64(Banks.VIRT_SIZE - 8));
        assertTrue(bank.region().memory().isZero(0, Banks.VIRT_SIZE));
    }
}
