package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which TLBIs by address must drop the whole TLB: those inside a block whose translation filled an entry. */
class BlockEntriesTest {

    /** 4 KiB granules in both halves (TG0 = 0, TG1 = 2), MMU on. */
    private static final PageTableWalker.Registers FOUR_KIB = new PageTableWalker.Registers(1, 2L << 30, 0, 0);
    /** 64 KiB granules in the lower half (TG0 = 1). */
    private static final PageTableWalker.Registers SIXTY_FOUR_KIB = new PageTableWalker.Registers(1, 1L << 14, 0, 0);

    @Test
    void aBlocksWholeRangeIsCoveredAndNothingElse() {
        BlockEntries b = new BlockEntries();
        b.add(0x3210_0400L, FOUR_KIB, 2);                      // a 2 MiB block at 0x3200_0000
        assertTrue(b.mayCover(0x3200_0000L));
        assertTrue(b.mayCover(0x321F_F000L));
        assertFalse(b.mayCover(0x3220_0000L), "the next block");
        assertFalse(b.mayCover(0x31FF_F000L), "the one before");
        b.add(0xFFFF_FF80_4000_0000L, FOUR_KIB, 1);           // a 1 GiB block in the upper half
        assertTrue(b.mayCover(0xFFFF_FF80_7FFF_F000L));
        assertFalse(b.mayCover(0xFFFF_FF80_8000_0000L));
        assertTrue(b.mayCover(0x3200_1000L), "the 2 MiB block is still known");
        b.add(0x2000_0000L, SIXTY_FOUR_KIB, 2);                // 512 MiB with 64 KiB granules
        assertTrue(b.mayCover(0x3FFF_0000L));
        b.clear();
        assertFalse(b.mayCover(0x3200_0000L), "a whole drop forgets every block");
    }

    @Test
    void pastItsLimitEveryAddressMayBeCovered() {
        BlockEntries b = new BlockEntries();
        for (long i = 0; i <= BlockEntries.LIMIT; i++) {
            b.add(i << 21, FOUR_KIB, 2);
        }
        assertTrue(b.mayCover(0x7000_0000_0000L));
        b.clear();
        assertFalse(b.mayCover(0x7000_0000_0000L));
    }
}
