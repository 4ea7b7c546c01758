package dev.virtflash.hw.pflash;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** QEMU's legacy mode, device width 0 (spec §1.5): the model's default, not used on virt. */
class LegacyModeTest {

    private static PflashCfi01 legacy(int bankWidth) {
        return Banks.build(PflashCfi01.builder().name("legacy").sectorLength(64 * Banks.KiB).numBlocks(16)
                .bankWidth(bankWidth).ids(0x89, 0x18, 0x12, 0x34));
    }

    @Test
    void tablesRepeatEvery256BytesAndAreNotReplicated() throws Exception {
        try (PflashCfi01 bank = legacy(4)) {
            Bus bus = new Bus(bank);
            bus.w32(0, 0x98);
            assertEquals(0x51, bus.r32(0x40), "no copy in the upper half");
            assertEquals(0x51, bus.r32(0x140), "index = (off & 0xFF) >> 2: repeats every 256 bytes");
            assertEquals(0x59, bus.r32(0x48));
            assertEquals(20, bus.r32(0x27 * 4), "one device of 1 MiB: 2^20");
            assertEquals(0x0B, bus.r32(0x2A * 4), "write buffer 2^11");
            assertEquals(0x00, bus.r32(0x2F * 4), "64 KiB blocks: 0x0100 * 256");
            assertEquals(0x01, bus.r32(0x30 * 4));
            bus.w32(0, 0xFF);
            bus.w32(0, 0x90);
            assertEquals(0x8918, bus.r32(0), "index 0: id0 << 8 | id1");
            assertEquals(0x1234, bus.r32(4), "index 1: id2 << 8 | id3");
            assertEquals(0, bus.r32(8));
            assertEquals(0x8918, bus.r32(0x100));
            bus.w32(0, 0x70);
            assertEquals(0x00800080L, bus.r32(0), "4-byte status: status | status << 16");
            assertEquals(0x80, bus.r16(0));
            assertEquals(0x80, bus.r8(0));
        }
    }

    @Test
    void narrowBanksShiftByTheirWidth() throws Exception {
        try (PflashCfi01 bank = legacy(2)) {
            Bus bus = new Bus(bank);
            bus.w16(0, 0x98);
            assertEquals(0x51, bus.r16(0x20));
            assertEquals(0x52, bus.r16(0x22));
            assertEquals(0x51, bus.r32(0x20), "a wider read is not replicated either");
        }
        try (PflashCfi01 bank = legacy(1)) {
            Bus bus = new Bus(bank);
            bus.w8(0, 0x98);
            assertEquals(0x51, bus.r8(0x10));
            assertEquals(0x08, bus.r8(0x2A), "byte-wide bank: 256-byte buffer");
            assertEquals(0x51, bus.r8(0x110), "repeats every 256 bytes");
        }
    }

    @Test
    void bufferCountIsCutToTheBankWidth() throws Exception {
        try (PflashCfi01 bank = legacy(2)) {
            Bus bus = new Bus(bank);
            bus.w16(0, 0x20);                         // erase first: programming only clears bits
            bus.w16(0, 0xD0);
            bus.w32(0, 0xE8);
            bus.w32(0, 0xFFFF0001L);
            bus.w16(0x800, 0x1111);
            assertEquals(WriteState.BUFFER_DATA, bank.state(), "count 1 (16 bits of 0xFFFF0001)");
            bus.w16(0x802, 0x2222);
            bus.w16(0, 0xD0);
            bus.w16(0, 0xFF);
            assertEquals(0x22221111L, bus.r32(0x800));
            assertEquals(2048, bank.geometry().writeBufferSize(), "legacy: one device, 2 KiB window");
        }
    }
}
