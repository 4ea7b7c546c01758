package dev.virtflash.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostMemoryTest {

    private static final long MiB = 1024 * 1024;
    private static final long KiB = 1024;

    @Test
    void residencyFollowsWritesNotReads() {
        try (HostMemory m = HostMemory.allocate("flash", 64 * MiB)) {
            assertEquals(0, Residency.presentBytes(m), "fresh memory has no page mapped");
            assertTrue(Residency.residentBytes(m) <= 8 * KiB, "fresh memory is not resident");
            byte[] data = new byte[4096];
            java.util.Arrays.fill(data, (byte) 0xA5);
            for (long off = 0; off < 768 * KiB; off += data.length) {
                m.write(off, data, 0, data.length);
            }
            long written = Residency.residentBytes(m);
            assertEquals(768 * KiB, written, 8 * KiB, "768 KiB written");
            assertEquals(768 * KiB, Residency.presentBytes(m), "the pages written, exactly");

            byte[] buf = new byte[1 << 20];
            for (long off = 0; off < m.size(); off += buf.length) {
                m.read(off, buf, 0, buf.length);
            }
            ByteBuffer direct = ByteBuffer.allocateDirect(1 << 20);
            for (long off = 0; off < m.size(); off += direct.capacity()) {
                m.read(off, direct.clear());
            }
            long sum = 0;
            for (long page = 0; page < m.size() / 4096 - 1; page++) {
                sum += m.load(page * 4096, 8) + m.load(page * 4096 + 4095, 2);
            }
            assertEquals(768 / 4 * 0xA5A5_A5A5_A5A5_A5A5L + (768 / 4 - 1) * 0xA5A5L + 0xA5, sum,
                    "loads read the data; one straddling load at the end of the data reads 0xA5, 0x00");
            assertTrue(m.isZero(768 * KiB, m.size() - 768 * KiB));
            assertFalse(m.isZero(0, m.size()));
            assertEquals(written, Residency.residentBytes(m), "reading all 64 MiB adds nothing");
            assertEquals(768 * KiB, Residency.presentBytes(m), "reading maps no page, zero page or not");

            m.discard(0, m.size());
            assertEquals(0, Residency.residentBytes(m), 8 * KiB, "discard gives the pages back");
            assertTrue(m.isZero(0, m.size()));
            assertEquals(0, Residency.presentBytes(m), "discard unmaps them");
            assertEquals(0, m.dataBytes());
        }
    }

    @Test
    void oneReadingOfSmapsTellsEachMemoryItsOwnFigures() {
        try (HostMemory a = HostMemory.allocate("a", 4 * MiB); HostMemory b = HostMemory.allocate("b", 4 * MiB);
             HostMemory c = HostMemory.allocate("c", 4 * MiB)) {
            byte[] page = new byte[4096];
            java.util.Arrays.fill(page, (byte) 1);
            for (int i = 0; i < 3; i++) {
                a.write(i * 8192L, page, 0, page.length);
            }
            for (int i = 0; i < 5; i++) {
                b.write(i * 8192L, page, 0, page.length);
            }
            List<Residency.Usage> usage = Residency.usage(List.of(b, c, a));
            assertEquals(3, usage.size());
            assertEquals(5 * 4 * KiB, usage.get(0).resident(), 8 * KiB, "b: its 5 pages");
            assertEquals(0, usage.get(1).resident(), 8 * KiB, "c: nothing written");
            assertEquals(3 * 4 * KiB, usage.get(2).resident(), 8 * KiB, "a: its 3 pages");
            assertEquals(usage.get(0).resident(), usage.get(0).anonymous(), "anonymous memory: all of it");
            assertEquals(usage.get(2).resident(), Residency.residentBytes(a));
            assertEquals(usage.get(0).anonymous(), Residency.anonymousBytes(b));
        }
    }

    @Test
    void knowsWhichPagesHoldDataFromWhatWroteThem() {
        try (HostMemory m = HostMemory.allocate("flash", 1 * MiB)) {
            assertTrue(m.tracksWrites());
            m.store(4096 + 12, 4, 0x1234_5678L);     // page 1
            m.fill(3 * 4096 + 100, 5000, (byte) 0xFF); // pages 3, 4
            m.populate(10 * 4096, 1);                 // page 10: resident, zero
            m.fill(20 * 4096, 4096, (byte) 0);        // zeros over nothing: no page
            assertFalse(m.holdsData(0));
            assertTrue(m.holdsData(4096));
            assertTrue(m.holdsData(4 * 4096 + 4095));
            assertFalse(m.holdsData(5 * 4096));
            assertFalse(m.holdsData(20 * 4096));
            assertEquals(4 * 4096, m.dataBytes());
            assertEquals(3 * 4096, m.nonZeroBytes(), "page 10 was populated but holds zeros");
            java.util.List<long[]> runs = new java.util.ArrayList<>();
            m.forEachDataRun((offset, length) -> runs.add(new long[] {offset, length}));
            assertEquals(3, runs.size());
            assertArrayEquals(new long[] {4096, 4096}, runs.get(0));
            assertArrayEquals(new long[] {3 * 4096, 2 * 4096}, runs.get(1));
            assertArrayEquals(new long[] {10 * 4096, 4096}, runs.get(2));
            assertEquals(4 * 4096, Residency.presentBytes(m), "exactly the pages written");
            assertEquals(0, m.load(4095, 2) & 0xFF, "a load straddling a page nothing wrote");
            assertEquals(0x78L << 8, m.load(4096 + 11, 2));
            assertEquals(4 * 4096, Residency.presentBytes(m), "loads map nothing");

            m.discard(4096, 3 * 4096);                // pages 1, 2, 3
            assertEquals(2 * 4096, m.dataBytes(), "pages 4 and 10");
            assertEquals(0, m.load(3 * 4096 + 100, 1));
            assertEquals(2 * 4096, Residency.presentBytes(m));
            m.discard(4 * 4096 + 10, 20);             // part of a page: zeroed in place, still held
            assertTrue(m.holdsData(4 * 4096));
            assertEquals(0, m.load(4 * 4096 + 10, 8));
            assertEquals(0xFFL, m.load(4 * 4096 + 30, 1));
        }
    }

    @Test
    void memoryTheCpuWritesCountsEveryPageAsData() {
        try (HostMemory m = HostMemory.allocateCpuWritable("ram", 64 * KiB)) {
            assertFalse(m.tracksWrites());
            assertTrue(m.holdsData(5 * 4096));
            // a CPU writes through the raw address, behind this class's back: reads must see it
            new com.sun.jna.Pointer(m.address()).setInt(8192, 0x0BAD_F00D);
            assertEquals(0x0BAD_F00DL, m.load(8192, 4));
            assertFalse(m.isZero(0, m.size()));
            assertThrows(IllegalStateException.class, m::dataBytes);
            assertThrows(IllegalStateException.class, m::nonZeroBytes);
        }
    }

    @Test
    void processFiguresArePositive() {
        Residency.ProcessMemory p = Residency.process();
        assertTrue(p.vmRss() > 0 && p.rssAnon() > 0 && p.rssAnon() <= p.vmRss(), p.toString());
    }

    @Test
    void loadsAndStoresAreLittleEndianAtEveryWidth() {
        try (HostMemory m = HostMemory.allocate("m", 4096)) {
            m.store(0, 8, 0x1122_3344_5566_7788L);
            assertEquals(0x88, m.load(0, 1));
            assertEquals(0x7788, m.load(0, 2));
            assertEquals(0x5566_7788L, m.load(0, 4));
            assertEquals(0x1122_3344_5566_7788L, m.load(0, 8));
            m.store(4, 4, 0xFFFF_FFFFL);
            assertEquals(0xFFFF_FFFFL, m.load(4, 4), "zero-extended, not sign-extended");
            assertEquals(0xFFFF_FFFF_5566_7788L, m.load(0, 8));
            assertThrows(IllegalArgumentException.class, () -> m.load(0, 3));
        }
    }

    @Test
    void firstAndLastByte() {
        long size = 3 * 4096 + 5;
        try (HostMemory m = HostMemory.allocate("m", size)) {
            m.store(0, 1, 0x11);
            m.store(size - 1, 1, 0x22);
            assertEquals(0x11, m.load(0, 1));
            assertEquals(0x22, m.load(size - 1, 1));
            m.store(size - 8, 8, -1L);
            assertEquals(-1L, m.load(size - 8, 8));
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> m.load(size - 7, 8));
            assertTrue(e.getMessage().contains(Long.toString(size)), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> m.load(size, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> m.load(-1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> m.load(Long.MAX_VALUE, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> m.fill(1, size, (byte) 1));
            assertThrows(IndexOutOfBoundsException.class, () -> m.discard(0, -1));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, -4096})
    void nonPositiveSizesAreRejected(long size) {
        assertThrows(IllegalArgumentException.class, () -> HostMemory.allocate("bad", size));
    }

    @Test
    void bulkCopiesBothWays() {
        try (HostMemory m = HostMemory.allocate("m", 8192)) {
            byte[] src = new byte[5000];
            for (int i = 0; i < src.length; i++) {
                src[i] = (byte) (i * 7);
            }
            m.write(100, ByteBuffer.wrap(src));
            ByteBuffer back = ByteBuffer.allocate(5000);
            m.read(100, back);
            assertArrayEquals(src, back.array());
            byte[] part = new byte[10];
            m.read(100 + 4990, part, 0, 10);
            assertArrayEquals(java.util.Arrays.copyOfRange(src, 4990, 5000), part);
            assertFalse(m.isZero(0, 8192));
            assertTrue(m.isZero(5100, 8192 - 5100));
        }
    }

    @Test
    void discardOfPartialPagesZeroesOnlyTheRange() {
        try (HostMemory m = HostMemory.allocate("m", 4 * 4096)) {
            m.fill(0, m.size(), (byte) 0xFF);
            m.discard(100, 2 * 4096);
            assertEquals(0xFF, m.load(99, 1));
            assertTrue(m.isZero(100, 2 * 4096));
            assertEquals(0xFF, m.load(100 + 2 * 4096, 1));
        }
    }

    @Test
    void populateMakesExactlyTheCoveringPagesResidentAndKeepsTheContents() {
        try (HostMemory m = HostMemory.allocate("flash", 64 * MiB)) {
            m.store(5 * MiB + 8, 8, 0x0123_4567_89AB_CDEFL);
            long before = Residency.residentBytes(m);
            assertEquals(4 * KiB, before, "one page written");
            // 3 bytes straddling a page boundary, and 40 KiB from the middle of a page: 2 + 11 pages
            assertTrue(m.populate(MiB - 1, 3), "this machine's kernel has MADV_POPULATE_WRITE");
            assertTrue(m.populate(5 * MiB + 100, 40 * KiB));
            assertEquals(before + 2 * 4 * KiB + 10 * 4 * KiB, Residency.residentBytes(m),
                    "the pages covering both ranges (the written page counted once)");
            assertEquals(0x0123_4567_89AB_CDEFL, m.load(5 * MiB + 8, 8), "contents unchanged");
            assertTrue(m.isZero(0, 5 * MiB + 8), "new pages are zero");
            assertTrue(m.populate(0, 0), "empty range");
            assertThrows(IndexOutOfBoundsException.class, () -> m.populate(m.size() - 1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> m.populate(-1, 1));
        }
        HostMemory closed = HostMemory.allocate("closed", 4 * KiB);
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.populate(0, 1));
    }

    @Test
    void useAfterCloseThrowsAndDoubleCloseIsHarmless() {
        HostMemory m = HostMemory.allocate("gone", 4096);
        m.close();
        assertTrue(m.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.load(0, 1));
        assertTrue(e.getMessage().contains("gone"), e.getMessage());
        assertThrows(IllegalStateException.class, m::address);
        assertThrows(IllegalStateException.class, () -> m.store(0, 1, 0));
        assertThrows(IllegalStateException.class, () -> m.discard(0, 1));
        assertDoesNotThrow(m::close);
    }
}
