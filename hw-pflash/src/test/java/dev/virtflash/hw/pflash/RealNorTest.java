package dev.virtflash.hw.pflash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Where real Intel/Sharp NOR and QEMU 7.2 differ ({@link FlashSemantics}): each case runs with both semantics and
 * expects each one's value, real NOR's from the datasheets and Linux's {@code cfi_cmdset_0001.c}, QEMU's from the spec
 * (observed on {@code qemu-system-aarch64} 7.2).
 */
class RealNorTest {

    private static final long BLOCK = Banks.BLOCK;

    private static PflashCfi01 ram(FlashSemantics semantics) {
        return Banks.build(PflashCfi01.virtBank("virt.flash1").semantics(semantics));
    }

    private static PflashCfi01 readOnly(FlashSemantics semantics) {
        return Banks.build(PflashCfi01.virtBank("virt.flash0").readOnly(true).semantics(semantics));
    }

    /** The value real NOR gives, or the one QEMU 7.2 gives. */
    private static long either(FlashSemantics semantics, long realNor, long qemu) {
        return semantics == FlashSemantics.REAL_NOR ? realNor : qemu;
    }

    private static void erase(Bus bus, long block) {
        bus.cmd32(block, 0x20);
        bus.cmd32(block, 0xD0);
        bus.cmd32(0, 0xFF);
    }

    private static void program32(Bus bus, long offset, long value) {
        bus.cmd32(offset, 0x40);
        bus.w32(offset, value);
        bus.cmd32(0, 0xFF);
    }

    @Test
    void realNorIsTheDefault() throws Exception {
        try (PflashCfi01 bank = Banks.virtRam("virt.flash1")) {
            assertEquals(FlashSemantics.REAL_NOR, bank.semantics());
        }
        assertEquals(Optional.of(FlashSemantics.QEMU_7_2), FlashSemantics.parse("qemu-7.2"));
        assertEquals(Optional.of(FlashSemantics.REAL_NOR), FlashSemantics.parse("real-nor"));
        assertEquals(Optional.empty(), FlashSemantics.parse("qemu"));
    }

    @ParameterizedTest
    @EnumSource(FlashSemantics.class)
    void wordProgramAndsOrOverwrites(FlashSemantics semantics) throws Exception {
        try (PflashCfi01 bank = ram(semantics)) {
            Bus bus = new Bus(bank);
            erase(bus, 0);
            program32(bus, 0x100, 0x12345678L);
            program32(bus, 0x100, 0xFFFFFFFFL);       // spec §6: QEMU reads back 0xFFFFFFFF
            program32(bus, 0x104, 0x0000FFFFL);
            program32(bus, 0x104, 0xFF00FF00L);
            assertEquals(either(semantics, 0x12345678L, 0xFFFFFFFFL), bus.r32(0x100), "real NOR: 1s stay 0");
            assertEquals(either(semantics, 0x0000FF00L, 0xFF00FF00L), bus.r32(0x104), "real NOR: old AND new");
        }
    }

    /**
     * Linux's partial-word write: each byte goes out as a whole bus word padded with 0xFF ({@code map_word_ff} in
     * {@code cfi_intelext_write_words}). On real NOR the four bytes accumulate; on QEMU only the last one is kept.
     */
    @ParameterizedTest
    @EnumSource(FlashSemantics.class)
    void byteWritesIntoOneWordAccumulate(FlashSemantics semantics) throws Exception {
        try (PflashCfi01 bank = ram(semantics)) {
            Bus bus = new Bus(bank);
            erase(bus, BLOCK);
            long word = BLOCK + 0x40;
            for (int i = 0; i < 4; i++) {
                long padded = (0xFFFFFFFFL & ~(0xFFL << (8 * i))) | ((0x11L * (i + 1)) << (8 * i));
                program32(bus, word, padded);
            }
            assertEquals(either(semantics, 0x44332211L, 0x44FFFFFFL), bus.r32(word));
        }
    }

    @ParameterizedTest
    @EnumSource(FlashSemantics.class)
    void bufferedProgramAndsAtConfirm(FlashSemantics semantics) throws Exception {
        try (PflashCfi01 bank = ram(semantics)) {
            Bus bus = new Bus(bank);
            erase(bus, 0);
            program32(bus, 0x2000, 0x0F0F0F0FL);
            program32(bus, 0x2FFC, 0x12345678L);      // same window, not loaded into the buffer below
            bus.cmd32(0x2000, 0xE8);
            bus.w32(0x2000, 1);                       // two data cycles
            bus.w32(0x2000, 0xFF00FFFFL);
            bus.w32(0x2004, 0xA5A5A5A5L);
            bus.cmd32(0, 0xD0);
            assertEquals(0x00800080L, bus.r32(0), "committed: status mode, ready");
            bus.cmd32(0, 0xFF);
            assertEquals(either(semantics, 0x0F000F0FL, 0xFF00FFFFL), bus.r32(0x2000));
            assertEquals(0xA5A5A5A5L, bus.r32(0x2004), "erased word: same in both");
            assertEquals(0x12345678L, bus.r32(0x2FFC), "bytes not loaded keep the array in both");
            assertEquals(0xFFFFFFFFL, bus.r32(0x2008));
        }
    }

    /**
     * Linux's one-word write ({@code do_write_buffer} with 4 bytes, as UBI's header invalidation): 0xE8 and the count
     * 0 at the window base, one data word, 0xD0, then poll SR.7 there. A real part programs the word; upstream
     * QEMU's model (kept for qemu-7.2) opens no buffer for count 0, sets SR.4 and aborts to read-array, so the
     * poll reads array data and Linux times out ("buffer write error (status timeout)").
     */
    @ParameterizedTest
    @EnumSource(FlashSemantics.class)
    void countZeroProgramsOneWordOnRealNor(FlashSemantics semantics) throws Exception {
        try (PflashCfi01 bank = ram(semantics)) {
            Bus bus = new Bus(bank);
            erase(bus, 0);
            bus.cmd32(0x3000, 0x70);
            bus.cmd32(0x3000, 0xE8);
            assertEquals(0x00800080L, bus.r32(0x3000), "buffer available");
            bus.w32(0x3000, 0);                        // count 0: one word
            bus.w32(0x3010, 0);
            bus.cmd32(0x3000, 0xD0);
            if (semantics == FlashSemantics.REAL_NOR) {
                assertEquals(0x00800080L, bus.r32(0x3000), "status mode, ready");
                bus.cmd32(0, 0xFF);
                assertEquals(0L, bus.r32(0x3010), "the word is programmed");
            } else {
                assertEquals(WriteState.READ_ARRAY, bank.state(), "aborted");
                assertEquals(0xFFFFFFFFL, bus.r32(0x3010), "nothing programmed");
            }
            assertEquals(0xFFFFFFFFL, bus.r32(0x3014));
        }
    }

    /**
     * {@code do_erase_oneblock} on a read-only bank, cycle by cycle: clear status, erase, poll SR.7, read status,
     * see SR.5, clear status (0x50, 0x70), and then (next attempt, {@code chip_ready}) poll SR.7 in status mode.
     * Real NOR: ready, so Linux reports "block erase failed" and goes on. QEMU 7.2: SR.7 stays 0 until the next
     * operation, which Linux never starts: the guest hangs.
     */
    @ParameterizedTest
    @EnumSource(FlashSemantics.class)
    void linuxEraseErrorPathOnAReadOnlyBank(FlashSemantics semantics) throws Exception {
        try (PflashCfi01 bank = readOnly(semantics)) {
            Bus bus = new Bus(bank);
            long adr = 3 * BLOCK;
            bus.cmd32(adr, 0x50);
            bus.cmd32(adr, 0x20);
            bus.cmd32(adr, 0xD0);
            assertEquals(0x00A000A0L, bus.r32(adr), "erase done (SR.7) with SR.5, both semantics");
            assertEquals(0xA0, bank.status());
            bus.cmd32(adr, 0x70);
            long status = bus.r32(adr);
            assertTrue((status & 0x003A003AL) != 0, "Linux sees an error bit");
            bus.cmd32(adr, 0x50);
            bus.cmd32(adr, 0x70);
            long poll = bus.r32(adr);                 // spec §6: 0x00000000 on QEMU
            assertEquals(either(semantics, 0x00800080L, 0L), poll, "real NOR: ready; QEMU: never, Linux waits forever");
            assertEquals(WriteState.READ_STATUS, bank.state());
        }
    }

    @ParameterizedTest
    @EnumSource(FlashSemantics.class)
    void refusedProgramsOnAReadOnlyBank(FlashSemantics semantics) throws Exception {
        try (PflashCfi01 bank = readOnly(semantics)) {
            Bus bus = new Bus(bank);
            bus.cmd32(0x100, 0x40);
            bus.w32(0x100, 0);
            assertEquals(0x90, bank.status(), "word program: SR.4 | SR.7");
            assertEquals(WriteState.READ_STATUS, bank.state());
            bus.cmd32(0x100, 0x50);
            bus.cmd32(0x100, 0xE8);
            bus.w32(0x100, 1);
            bus.w32(0x100, 0);
            bus.w32(0x104, 0);
            bus.cmd32(0x100, 0xD0);
            assertEquals(0x90, bank.status(), "buffered program: SR.4 | SR.7");
            // Real NOR reports the refusal in status mode; QEMU aborts to read-array (Linux then polls array data).
            assertEquals(semantics == FlashSemantics.REAL_NOR ? WriteState.READ_STATUS : WriteState.READ_ARRAY,
                    bank.state());
            assertEquals(either(semantics, 0x00900090L, 0L), bus.r32(0x100));
        }
    }

    @Test
    void andCommitWritesBackTheWindow() throws Exception {
        RecordingWriteBack wb = new RecordingWriteBack();
        try (PflashCfi01 bank = Banks.virtRam("virt.flash1", wb)) {
            Bus bus = new Bus(bank);
            erase(bus, 0);
            bus.cmd32(0x5000, 0xE8);
            bus.w32(0x5000, 1);
            bus.w32(0x5008, 0x11111111L);
            bus.w32(0x500C, 0x22222222L);
            bus.cmd32(0, 0xD0);
            bus.cmd32(0, 0xFF);
            assertEquals(0x11111111L, bus.r32(0x5008));
            assertEquals(List.of(new RecordingWriteBack.Call(0, BLOCK), new RecordingWriteBack.Call(0x5000, 4096)),
                    wb.calls);
        }
    }
}
