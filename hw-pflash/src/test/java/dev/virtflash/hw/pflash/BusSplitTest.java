package dev.virtflash.hw.pflash;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Accesses become QEMU's bus cycles: 8 bytes as two 4-byte cycles, unaligned as aligned pieces (spec §1.3). */
class BusSplitTest extends OnVirtFlash1 {

    @Test
    void pieceSizesFollowTcgThenTheMemoryCore() {
        assertEquals(4, PflashBus.piece(8, 0), "8 aligned: 4 then 4");
        assertEquals(4, PflashBus.piece(4, 8));
        assertEquals(2, PflashBus.piece(4, 2), "4 at 2: 2 then 2");
        assertEquals(1, PflashBus.piece(4, 1), "4 at 1: 1, then 3 left at 2 ...");
        assertEquals(1, PflashBus.piece(3, 2), "... an odd remainder gives single bytes");
        assertEquals(1, PflashBus.piece(1, 4));
        assertEquals(2, PflashBus.piece(8, 6), "8 at 6: 2, then 6 left at 8 ...");
        assertEquals(2, PflashBus.piece(6, 8), "... 2 again: the remaining size limits the piece too");
    }

    @Test
    void unalignedStoreAfterProgramSetupIsTwoCycles() {
        bus.w32(0x100, 0x40);
        bus.w32(0x102, 0x0070BEEFL);                 // 2 bytes data at 0x102, then 0x0070 at 0x104: a command
        assertEquals(WriteState.READ_STATUS, bank.state());
        assertEquals(0x70, bank.command());
        bus.w32(0, 0xFF);
        assertEquals(0xBEEF0000L, bus.r32(0x100));
        assertEquals(0, bus.r32(0x104));
    }

    @Test
    void unalignedReadsAssemblePiecesLittleEndian() {
        bus.w32(0, 0x70);
        assertEquals(0x80808080L, bus.r32(1), "4 at 1: four byte cycles, each 0x80");
        assertEquals(0x00800080L, bus.r32(2) & 0xFFFF_FFFFL, "4 at 2: two 2-byte cycles, each 0x0080");
        assertEquals(0x0080_0080_0080_0080L, bus.r64(0));
        assertEquals(0x808080L, bank.region().handler().read(0, 3), "3 bytes at 0: three 1-byte cycles");
        bus.w32(0, 0xFF);
        bus.w32(0, 0x98);
        assertEquals(0x59_52525252_515151L, bus.r64(0x41), "8 at 0x41: eight byte cycles, 'Q' x3, 'R' x4, 'Y'");
        assertEquals(0x0052_0052_0051_0051L, bus.r64(0x40), "8 aligned: 'Q' word then 'R' word");
    }

    @Test
    void unalignedEightByteStoreInBufferIsFourCycles() {
        bus.w32(0, 0xE8);
        bus.w32(0, 4);                                // 5 cycles
        bus.w64(0x2006, 0x8877665544332211L);         // pieces 2@6, 2@8, 2@0xA, 2@0xC = 4 cycles
        assertEquals(WriteState.BUFFER_DATA, bank.state());
        bus.w8(0x2010, 0x99);
        assertEquals(WriteState.BUFFER_CONFIRM, bank.state());
        bus.w32(0, 0xD0);
        bus.w32(0, 0xFF);
        assertEquals(0x8877665544332211L, bus.r64(0x2006), "read-array: straight from memory, unaligned");
        assertEquals(0x99, bus.r8(0x2010));
    }

    @Test
    void accessesOutsideTheBankOrOfOddSizesNeverThrow() {
        long size = bank.geometry().size();
        bus.w32(0, 0x70);
        assertEquals(0x0080, bank.region().handler().read(size - 2, 4), "the piece outside reads 0");
        assertEquals(0, bank.region().handler().read(size, 4));
        assertEquals(0, bank.region().handler().read(-4, 4));
        assertDoesNotThrow(() -> bank.region().handler().write(size, 4, 0x20));
        assertDoesNotThrow(() -> bank.region().handler().write(-4, 4, 0x20));
        assertDoesNotThrow(() -> bank.region().handler().write(0, 16, 0x20));
        assertDoesNotThrow(() -> bank.region().handler().write(0, 0, 0x20));
        assertEquals(WriteState.READ_STATUS, bank.state(), "nothing reached the model");
        bank.region().handler().write(size - 2, 4, 0x0020_0098L);
        assertEquals(WriteState.CFI_QUERY, bank.state(), "the piece inside the bank is a cycle");
    }
}
