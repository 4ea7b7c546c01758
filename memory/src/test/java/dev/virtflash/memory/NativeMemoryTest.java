package dev.virtflash.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Pointer;
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

    /**
     * A library as the loader leaves it, three mappings of one file: read-only pages only read (symbol tables, code),
     * read-only pages the loader wrote before making them read-only (relocated data: private copies now), and
     * writable data.
     */
    @Test
    void onlyTheFilesOwnPagesOfReadOnlyMappingsAreUnmappedAndTheyReadTheSameAfterwards() {
        int fd = Libc.memfd_create("native-memory-test-library", 0);
        long tables = 0;
        long relocated = 0;
        long data = 0;
        try {
            try (HostMemory contents = HostMemory.allocate("contents", 4 * PAGE)) {
                for (int p = 0; p < 4; p++) {
                    contents.store(p * PAGE, 8, 0x1111L * (p + 1));
                }
                Libc.ftruncate(fd, 4 * PAGE);
                assertEquals(4 * PAGE, Libc.pwrite(fd, contents.address(), 4 * PAGE, 0));
            }
            int rw = Libc.PROT_READ | Libc.PROT_WRITE;
            tables = Libc.mmap(0, 4 * PAGE, Libc.PROT_READ, Libc.MAP_PRIVATE, fd, 0);
            relocated = Libc.mmap(0, 4 * PAGE, rw, Libc.MAP_PRIVATE, fd, 0);
            data = Libc.mmap(0, 4 * PAGE, rw, Libc.MAP_PRIVATE, fd, 0);
            for (int p = 0; p < 4; p++) {
                new Pointer(tables).getLong(p * PAGE);
                new Pointer(relocated).getLong(p * PAGE);
            }
            new Pointer(relocated).setLong(PAGE, 0x7777); // a relocation: page 1 is a private copy now
            Libc.mprotect(relocated, 4 * PAGE, Libc.PROT_READ);
            new Pointer(data).getLong(0);
            new Pointer(data).setLong(2 * PAGE, 0x9999);
            String dataBefore = present(data); // reads map the file's neighbouring pages too (the kernel's fault-around)

            assertEquals(7 * PAGE, NativeMemory.unmapCleanLibraryPages(tables + 100),
                    "the four read pages of the tables and three of the relocated data");
            assertEquals("....", present(tables));
            assertEquals(".P..", present(relocated), "the private copy is kept");
            assertEquals(dataBefore, present(data), "a writable mapping is not looked at");
            for (int p = 0; p < 4; p++) {
                assertEquals(0x1111L * (p + 1), new Pointer(tables).getLong(p * PAGE), "the file's page " + p);
            }
            assertEquals(0x7777, new Pointer(relocated).getLong(PAGE));
            assertEquals(0x3333, new Pointer(relocated).getLong(2 * PAGE));
            assertEquals(0x9999, new Pointer(data).getLong(2 * PAGE));
        } finally {
            for (long m : new long[] {tables, relocated, data}) {
                if (m != 0) {
                    Libc.munmap(m, 4 * PAGE);
                }
            }
            Libc.close(fd);
        }
    }

    @Test
    void anAddressInNoFilesMappingIsRefused() {
        try (HostMemory m = HostMemory.allocate("anonymous", PAGE)) {
            assertThrows(IllegalArgumentException.class, () -> NativeMemory.unmapCleanLibraryPages(m.address()));
        }
    }

    /** One character per page of a 4-page range: {@code P} present, {@code .} not. */
    private static String present(long address) {
        long[] entries = new long[4];
        PageMap.read(address, entries, 4);
        StringBuilder s = new StringBuilder();
        for (long e : entries) {
            s.append((e & PageMap.PRESENT) != 0 ? 'P' : '.');
        }
        return s.toString();
    }

    @Test
    void glibcAcceptsAnArenaCapAndRefusesNone() {
        assertTrue(NativeMemory.limitMallocArenas(16), "mallopt(M_ARENA_MAX, 16)");
        assertThrows(IllegalArgumentException.class, () -> NativeMemory.limitMallocArenas(0));
    }
}
