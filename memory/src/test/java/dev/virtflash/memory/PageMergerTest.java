package dev.virtflash.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Merging the RAM of two boards: pages alike become one copy in the pool, zero pages are given back, nothing untouched
 * is touched, and a write after a merge changes only the writer's page.
 */
class PageMergerTest {

    private static final int PAGE = 4096;
    private static final long SIZE = 4L << 20;

    private static byte[] page(int seed) {
        byte[] b = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + (i >> 8));
        }
        return b;
    }

    private static byte[] read(HostMemory m, long offset) {
        byte[] b = new byte[PAGE];
        m.read(offset, b, 0, PAGE);
        return b;
    }

    /** Pages 0-9 alike in both, page 20 different, page 30 zeros written, page 40 a copy of page 0 in the same RAM. */
    private static void fill(HostMemory m, int own) {
        for (int p = 0; p < 10; p++) {
            m.write((long) p * PAGE, page(p), 0, PAGE);
        }
        m.write(20L * PAGE, page(own), 0, PAGE);
        m.fill(30L * PAGE, PAGE, (byte) 0);
        m.write(40L * PAGE, page(0), 0, PAGE);
    }

    @Test
    void pagesAlikeAreOneCopyZerosAreGivenBackAndWritesStayTheWritersOwn() {
        try (SharedPages pool = new SharedPages();
             HostMemory a = HostMemory.allocateCpuWritable("ram.a", SIZE);
             HostMemory b = HostMemory.allocateCpuWritable("ram.b", SIZE);
             PageMerger ma = new PageMerger(a, pool, 0);
             PageMerger mb = new PageMerger(b, pool, 0)) {
            fill(a, 100);
            fill(b, 200);
            assertEquals(13L * PAGE, Residency.presentBytes(a));

            PageMerger.Result ra = ma.merge();
            assertEquals(new PageMerger.Result(12, 1, 13), ra);
            assertEquals(11L * PAGE, pool.bytes(), "page 40 is page 0's slot");
            PageMerger.Result rb = mb.merge();
            assertEquals(new PageMerger.Result(12, 1, 13), rb);
            assertEquals(12L * PAGE, pool.bytes(), "only b's page 20 was new");
            for (HostMemory m : new HostMemory[] {a, b}) {
                assertEquals(0, Residency.presentBytes(m), "merged pages are mapped again only when read");
                assertEquals(0, Residency.anonymousBytes(m));
            }

            assertArrayEquals(page(3), read(a, 3L * PAGE));
            assertArrayEquals(page(100), read(a, 20L * PAGE));
            assertArrayEquals(page(200), read(b, 20L * PAGE));
            assertArrayEquals(new byte[PAGE], read(b, 30L * PAGE));
            assertArrayEquals(page(0), read(b, 40L * PAGE));
            assertEquals(0, Residency.anonymousBytes(a), "reading maps the pool's pages, it copies none");

            a.write(3L * PAGE + 5, new byte[] {1, 2, 3}, 0, 3);
            assertEquals(PAGE, Residency.anonymousBytes(a), "a write copies that one page");
            assertArrayEquals(page(3), read(b, 3L * PAGE), "b's page is unchanged");
            byte[] changed = page(3);
            changed[5] = 1;
            changed[6] = 2;
            changed[7] = 3;
            assertArrayEquals(changed, read(a, 3L * PAGE));

            assertEquals(new PageMerger.Result(1, 0, 1), ma.merge(), "only the copied page is read again");
            assertEquals(13L * PAGE, pool.bytes());
            assertArrayEquals(changed, read(a, 3L * PAGE));

            a.fill(3L * PAGE, PAGE, (byte) 0);
            assertEquals(new PageMerger.Result(1, 0, 1), ma.merge(),
                    "zeros in a page of the pool's mapping are merged, not dropped (that would bring old bytes back)");
            assertArrayEquals(new byte[PAGE], read(a, 3L * PAGE));
            assertEquals(13L * PAGE, pool.bytes(), "the changed page's slot went, a zero page came");

            ma.close();
            assertEquals(11L * PAGE, pool.bytes(), "a's own pages left with it: its page 20 and its zero page");
            assertArrayEquals(page(3), read(b, 3L * PAGE));
            mb.close();
            assertEquals(0, pool.bytes());
        }
    }

    @Test
    void aRunAcrossTheSlotTablesChunksMapsAndReadsBack() {
        long size = 40L << 20; // 10,240 pages: three chunks of the slot table and of the pagemap reads
        try (SharedPages pool = new SharedPages();
             HostMemory a = HostMemory.allocateCpuWritable("ram.a", size);
             PageMerger m = new PageMerger(a, pool, 0)) {
            for (int p = 4090; p < 4100; p++) {
                a.write((long) p * PAGE, page(p), 0, PAGE);
            }
            a.write(10_239L * PAGE, page(5000), 0, PAGE); // page(seed) repeats every 256 seeds
            assertEquals(new PageMerger.Result(11, 0, 11), m.merge());
            assertEquals(0, Residency.presentBytes(a));
            for (int p = 4090; p < 4100; p++) {
                assertArrayEquals(page(p), read(a, (long) p * PAGE), "page " + p);
            }
            assertArrayEquals(page(5000), read(a, 10_239L * PAGE));
            assertEquals(11L * PAGE, pool.bytes());
        }
    }

    @Test
    void aProcessNearHalfTheKernelsMappingLimitMergesNothingButStillGivesZerosBack() {
        try (SharedPages pool = new SharedPages();
             HostMemory a = HostMemory.allocateCpuWritable("ram.a", SIZE);
             PageMerger m = new PageMerger(a, pool, 0, 2, PageMerger.READ_BUDGET)) { // a limit every process is past
            fill(a, 100);
            assertEquals(new PageMerger.Result(0, 1, 13), m.merge());
            assertEquals(12L * PAGE, Residency.anonymousBytes(a));
            assertEquals(0, pool.bytes());
            assertArrayEquals(page(100), read(a, 20L * PAGE));
        }
    }

    @Test
    void boardsOnManyThreadsMergeIntoOnePoolAtOnce() throws Exception {
        int boards = 6;
        try (SharedPages pool = new SharedPages()) {
            HostMemory[] rams = new HostMemory[boards];
            PageMerger[] mergers = new PageMerger[boards];
            for (int i = 0; i < boards; i++) {
                rams[i] = HostMemory.allocateCpuWritable("ram." + i, SIZE);
                mergers[i] = new PageMerger(rams[i], pool, 0);
                fill(rams[i], 100 + i);
            }
            ExecutorService threads = Executors.newFixedThreadPool(boards);
            try {
                List<Future<PageMerger.Result>> results = new ArrayList<>();
                for (PageMerger m : mergers) {
                    results.add(threads.submit(m::merge));
                }
                for (Future<PageMerger.Result> r : results) {
                    assertEquals(new PageMerger.Result(12, 1, 13), r.get());
                }
            } finally {
                threads.shutdown();
            }
            assertEquals((10L + boards) * PAGE, pool.bytes(), "pages 0-9 once (page 40 is page 0), each board's page 20");
            for (int i = 0; i < boards; i++) {
                assertArrayEquals(page(100 + i), read(rams[i], 20L * PAGE));
                assertArrayEquals(page(9), read(rams[i], 9L * PAGE));
                mergers[i].close();
                rams[i].close();
            }
            assertEquals(0, pool.bytes());
        }
    }

    @Test
    void aMergeStopsAfterItsReadBudgetAndTheNextGoesOnFromThere() {
        long size = 40L << 20; // chunks of 4,096 pages at 0, 4,096 and 8,192
        try (SharedPages pool = new SharedPages();
             HostMemory a = HostMemory.allocateCpuWritable("ram.a", size);
             PageMerger m = new PageMerger(a, pool, 0, 0, 1)) {
            for (int p : new int[] {10, 11, 5000, 9000}) {
                a.write((long) p * PAGE, page(p), 0, PAGE);
            }
            assertEquals(new PageMerger.Result(2, 0, 2), m.merge(), "the first chunk");
            assertEquals(new PageMerger.Result(1, 0, 1), m.merge(), "the second");
            a.write(12L * PAGE, page(12), 0, PAGE);
            assertEquals(new PageMerger.Result(1, 0, 1), m.merge(), "the third");
            assertEquals(new PageMerger.Result(1, 0, 1), m.merge(), "round again: the page written since");
            assertEquals(0, Residency.anonymousBytes(a));
            for (int p : new int[] {10, 11, 12, 5000, 9000}) {
                assertArrayEquals(page(p), read(a, (long) p * PAGE), "page " + p);
            }
        }
    }

    @Test
    void aPageWhoseHashIsTakenByOtherBytesIsNotShared() {
        try (SharedPages pool = new SharedPages();
             HostMemory a = HostMemory.allocateCpuWritable("ram.a", SIZE);
             Memory scratch = new Memory(PAGE)) {
            a.write(0, page(1), 0, PAGE);
            a.write(PAGE, page(2), 0, PAGE);
            assertEquals(0, pool.share(a.address(), 42, scratch, -1));
            assertEquals(-1, pool.share(a.address() + PAGE, 42, scratch, -1), "same hash, other bytes");
            assertEquals(0, pool.share(a.address(), 42, scratch, -1), "same hash, same bytes");
            pool.release(0);
            pool.release(0);
            assertEquals(0, pool.bytes());
        }
    }

    @Test
    void aClosedPoolMapsNothing() {
        SharedPages pool = new SharedPages();
        try (HostMemory a = HostMemory.allocateCpuWritable("ram.a", SIZE);
             Memory scratch = new Memory(PAGE)) {
            a.write(0, page(1), 0, PAGE);
            int slot = pool.share(a.address(), 7, scratch, -1);
            pool.close();
            assertFalse(pool.mapInto(a, 0, 1, slot));
            assertEquals(PAGE, Residency.anonymousBytes(a), "the page is still the memory's own");
            assertArrayEquals(page(1), read(a, 0));
        }
    }

    @Test
    void untouchedPagesStayUntouchedAndMergesAreSpacedOut() {
        try (SharedPages pool = new SharedPages();
             HostMemory a = HostMemory.allocateCpuWritable("ram.a", SIZE);
             PageMerger m = new PageMerger(a, pool, 0)) {
            a.write(7L * PAGE, page(7), 0, PAGE);
            assertNull(m.mergeIfDue(999_999_999L, true), "not within the first second");
            assertNull(m.mergeIfDue(4_999_999_999L, false), "for a running guest, not within the first five");
            PageMerger.Result r = m.mergeIfDue(1_000_000_000L, true);
            assertEquals(new PageMerger.Result(1, 0, 1), r);
            assertEquals(0, Residency.presentBytes(a));
            long now = System.nanoTime();
            assertNull(m.mergeIfDue(now, true), "not within a second of the last");
            assertTrue(m.nextDue(true) - now <= 1_000_000_000L && m.nextDue(false) - m.nextDue(true) >= 3_999_000_000L,
                    "a second for an idle guest, five for a running one");
            assertEquals(1, m.merges());
            byte[] all = new byte[PAGE];
            a.read(7L * PAGE, all, 0, PAGE);
            assertArrayEquals(page(7), all);
            assertEquals(PAGE, Residency.presentBytes(a), "only the page read is mapped");
        }
    }

    @Test
    void aClosedPoolMergesNothingAndFlashMemoryIsRefused() {
        SharedPages pool = new SharedPages();
        try (HostMemory a = HostMemory.allocateCpuWritable("ram.a", SIZE);
             HostMemory flash = HostMemory.allocate("flash", SIZE);
             PageMerger m = new PageMerger(a, pool, 0)) {
            assertThrows(IllegalArgumentException.class, () -> new PageMerger(flash, pool, 0));
            a.write(0, page(1), 0, PAGE);
            pool.close();
            assertEquals(new PageMerger.Result(0, 0, 1), m.merge());
            assertEquals(PAGE, Residency.anonymousBytes(a));
            byte[] b = new byte[PAGE];
            a.read(0, b, 0, PAGE);
            assertArrayEquals(page(1), b);
        }
    }
}
