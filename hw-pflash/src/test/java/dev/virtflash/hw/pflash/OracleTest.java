package dev.virtflash.hw.pflash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The quick test oracles of spec §6, observed on QEMU's virt flash1, through the region at the widths given. */
class OracleTest extends OnVirtFlash1 {

    @Test
    void cfiQueryString() {
        bus.w32(0, 0x00980098L);
        assertEquals(0x00510051L, bus.r32(0x40));
        assertEquals(0x00520052L, bus.r32(0x44));
        assertEquals(0x00590059L, bus.r32(0x48));
        assertEquals(0x00010001L, bus.r32(0x4C));
    }

    @Test
    void cfiGeometryFields() {
        bus.w32(0, 0x00980098L);
        assertEquals(0x00190019L, bus.r32(0x9C), "chip size 2^25");
        assertEquals(0x000B000BL, bus.r32(0xA8), "write buffer 2^11 per chip");
        assertEquals(0x00FF00FFL, bus.r32(0xB4), "256 blocks - 1");
        assertEquals(0x00020002L, bus.r32(0xC0), "block size 0x0200 * 256");
    }

    @Test
    void cfiByteReadsIgnoreTheLane() {
        bus.w32(0, 0x00980098L);
        for (long off = 0x40; off <= 0x43; off++) {
            assertEquals(0x51, bus.r8(off), "byte at 0x" + Long.toHexString(off));
        }
    }

    @Test
    void identifierCodes() {
        bus.w32(0, 0x00900090L);
        assertEquals(0x00890089L, bus.r32(0));
        assertEquals(0x00180018L, bus.r32(4));
        assertEquals(0x00000000L, bus.r32(8));
    }

    @Test
    void clearStatusThenReadStatusGivesZero() {
        bus.w32(0, 0x50);
        bus.w32(0, 0x70);
        assertEquals(0x00000000L, bus.r32(0));
    }

    @Test
    void eraseSetupThenReadArrayErasesTheBlockOnly() {
        bus.w32(0, 0x40);
        bus.w32(0x40000, 0x12345678L);
        bus.w32(0, 0xFF);
        assertEquals(0x12345678L, bus.r32(0x40000), "precondition: data in the next block");

        bus.w32(0, 0x20);
        bus.w32(0, 0xFF);
        assertEquals(0xFFFFFFFFL, bus.r32(0));
        assertEquals(0xFFFFFFFFL, bus.r32(0x3FFFC));
        assertEquals(0x12345678L, bus.r32(0x40000), "the next block is unchanged");
    }

    @Test
    void programOverwritesWithOnes() {
        bus.w32(0x100, 0x40);
        bus.w32(0x100, 0x12345678L);
        bus.w32(0, 0xFF);
        assertEquals(0x12345678L, bus.r32(0x100));
        bus.w32(0x100, 0x40);
        bus.w32(0x100, 0xFFFFFFFFL);
        bus.w32(0, 0xFF);
        assertEquals(0xFFFFFFFFL, bus.r32(0x100));
    }

    /**
     * The last row (U-Boot boot prints {@code Flash: 64 MiB}, flinfo "(16 x 16) Size: 32 MB in 256 Sectors"): U-Boot's
     * CFI probe loop (spec §4.1) replayed against both banks, with its command words, port-width reads and address
     * shift, and the size computed from the table it reads.
     */
    @Test
    void uBootProbeSeesSixteenBySixteenThirtyTwoMegabytesInTwoHundredFiftySixSectors() throws Exception {
        try (PflashCfi01 flash0 = Banks.virtRam("virt.flash0")) {
            UBootProbe p0 = UBootProbe.probe(new Bus(flash0));
            UBootProbe p1 = UBootProbe.probe(bus);
            assertTrue(p0.found() && p1.found());
            assertEquals("(16 x 16) Size: 32 MB in 256 Sectors", p1.flinfo());
            assertEquals("Flash: 64 MiB", "Flash: " + ((p0.size() + p1.size()) >> 20) + " MiB");
            assertEquals(1, p1.chipLsb(), "found only with the 2021 address shift");
            assertEquals(0x89, p1.manufacturer());
            assertEquals(0x18, p1.device());
            assertEquals(WriteState.READ_ARRAY, bank.state(), "U-Boot leaves the bank in read-array");
        }
    }
}
