package dev.virtflash.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Giving back pages a library filled with zeros, and glibc's arenas. */
class NativeMemoryTest {

    private static final int PAGE = 4096;

    @Test
    void theZeroTailOfWrittenMemoryGoesBackAndReadsAsZeros() {
        try (HostMemory m = HostMemory.allocateCpuWritable("buffer", 8 * PAGE)) {
            m.fill(0, 8 * PAGE, (byte) 0); // a library's memset: every page resident, all zero
            m.store(PAGE + 100, 1, 0x5A); // data in page 1 only
            assertEquals(8 * PAGE, Residency.presentBytes(m));
            long start = m.address();
            long tail = NativeMemory.zeroTail(start, start + 8 * PAGE);
            assertEquals(start + 2 * PAGE, tail, "pages 2 to 7 are the zero tail; page 0 is zero but before data");
            assertTrue(NativeMemory.giveBackZeros(tail, start + 8 * PAGE));
            assertEquals(2 * PAGE, Residency.presentBytes(m), "six pages given back");
            assertEquals(0x5A, m.load(PAGE + 100, 1));
            assertEquals(0, m.load(5 * PAGE, 8));
            assertEquals(start + 2 * PAGE, NativeMemory.zeroTail(start, start + 2 * PAGE),
                    "a range whose last page holds data has no zero tail");
        }
    }

    @Test
    void glibcAcceptsAnArenaCapAndRefusesNone() {
        assertTrue(NativeMemory.limitMallocArenas(16), "mallopt(M_ARENA_MAX, 16)");
        assertThrows(IllegalArgumentException.class, () -> NativeMemory.limitMallocArenas(0));
    }
}
