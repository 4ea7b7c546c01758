package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What a device's mode switch drops: the pages filled for it, once each in a row, or everything past the limit. */
class FilledPagesTest {

    @Test
    void pagesAreKeptUntilTheLimitThenEverythingIsDropped() {
        FilledPages f = new FilledPages();
        assertEquals(0, f.pending());
        f.add(0x1000);
        f.add(0x1000); // the same page again in a row: one entry
        f.add(0x1400);
        assertEquals(2, f.pending());
        for (int i = 0; i < FilledPages.LIMIT; i++) {
            f.add(0x10_0000L + 0x400L * i);
        }
        assertEquals(-1, f.pending(), "past the limit a drop takes the whole TLB");
    }
}
