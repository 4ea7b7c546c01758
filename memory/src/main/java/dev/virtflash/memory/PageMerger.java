package dev.virtflash.memory;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Merges the pages of one guest RAM ({@link HostMemory#allocateCpuWritable}) with the same pages of other boards'
 * RAM, and gives back the pages the guest filled with zeros: QEMU's {@code mem-merge}, without KSM.
 *
 * <p>{@link #merge()} looks only at the pages that are this memory's own anonymous pages ({@code /proc/self/pagemap}:
 * present, not a file's): pages nothing touched stay untouched, and pages already merged are not read again. A page
 * of zeros is given back ({@code MADV_DONTNEED}); any other page goes into the {@link SharedPages} pool (or finds its
 * copy there) and is mapped back from it private and copy-on-write, at the same address, with the same bytes: the
 * CPU's pointers into RAM stay valid, a read maps the pool's page, a write makes the board's own copy again.
 * Consecutive pages that land in consecutive slots map as one run. A memory makes about {@value #MAX_MAPPINGS}
 * mappings at most in its life, and stops before the process reaches half the kernel's limit
 * ({@code vm.max_map_count}, 65,530; it looks again every {@value #RECHECK} mappings, as other boards merge too):
 * pages then stay the board's own. If the kernel refuses a mapping anyway, the pages are put back as anonymous
 * memory with their bytes (a refused {@code MAP_FIXED} may have unmapped the range).
 *
 * <p>Only while nothing writes the memory: the board calls it on its CPU thread while the guest waits for an
 * interrupt, or at a stop the board makes for it ({@link #mergeIfDue}), never while the guest runs. A merge costs
 * about 2 ms per MiB the guest wrote since (AAVMF's first, 30 MiB: about 50 ms; one a second later at its prompt:
 * 3 ms); {@link #mergeIfDue} spaces merges so that they take at most 2 % of the time: at least a second apart while the
 * guest idles in WFI, at least five seconds apart while it runs (a firmware that polls its console at a prompt, as
 * U-Boot does, never waits in WFI).
 *
 * <p>Not done: pages that a guest keeps rewriting are merged again at every merge (each time copied back by the
 * guest's next write); a slot that no page maps any more after such a write is held until the page is merged
 * elsewhere or the memory closes.
 */
public final class PageMerger implements AutoCloseable {

    private static final long PAGE = Libc.PAGE_SIZE;
    /** Mappings one memory may make in its life; each splits a kernel memory area at most twice. */
    static final int MAX_MAPPINGS = 1024;
    /** The least time between two merges, and from the start to the first, for a guest that idles in WFI. */
    private static final long MIN_INTERVAL_NANOS = 1_000_000_000L;
    /**
     * The same for a guest that runs: merging it costs copies of the pages it writes again (a merge two seconds into
     * AAVMF's boot made it 3 % slower), and a firmware booting does not wait for it.
     */
    private static final long MIN_BUSY_INTERVAL_NANOS = 5_000_000_000L;
    /** A merge that took t waits at least this many times t for the next: merges take at most 2 % of the time. */
    private static final int INTERVAL_PER_DURATION = 50;
    /** Pages per chunk of {@link #slots}, and per pagemap read. */
    private static final int CHUNK = PageMap.CHUNK;
    /** A merge stops after the chunk in which it has read this many pages (64 MiB): a pause of about 0.1 s at most. */
    static final int READ_BUDGET = 16_384;
    /**
     * Mappings made between two looks at the process's mapping count (a look reads {@code /proc/self/maps}, about a
     * millisecond): 32 boards merging at once overshoot by 16,384 areas at most, half the spare half of the limit.
     */
    static final int RECHECK = 256;

    private final HostMemory memory;
    private final SharedPages pool;
    /** The pages of this memory. */
    private final int pages;
    /**
     * The pool slot mapped at each page since its last merge, or -1: {@link #CHUNK} pages per chunk, a chunk made when
     * a page of it is first merged (a board whose guest never idles, or a large RAM the guest barely uses, costs
     * nothing here).
     */
    private final int[][] slots;
    /** Pages in a mapping of the pool's file (merged at least once, maybe copied back since by a write). */
    private final BitSet inFileMapping = new BitSet();
    private Memory scratch;
    private int mappings;
    /** {@code vm.max_map_count}, read at the first merge unless given. */
    private int mapLimit;
    /** When the last merge ended (or the merger was made), and how long it took. */
    private long lastEnd;
    private long lastDuration;
    /** Pages a merge reads before it stops at the end of a chunk. */
    private final int readBudget;
    /** The chunk of {@link #slots} the next merge starts at. */
    private int cursor;
    /** Set when {@code /proc} could not be read: no more merges. */
    private boolean stopped;
    /** Written on the CPU thread, read by anyone. */
    private volatile long merges;
    private long pagesMerged;
    private long zeroPagesGiven;
    private boolean closed;

    /**
     * A merger of {@code memory}'s pages into {@code pool}.
     *
     * @param memory CPU-written memory (guest RAM)
     * @param pool shared with the other boards whose RAM should merge with this one
     * @param now {@link System#nanoTime()}: the first {@link #mergeIfDue} merges no earlier than a second later (five
     *            for a running guest)
     */
    public PageMerger(HostMemory memory, SharedPages pool, long now) {
        this(memory, pool, now, 0, READ_BUDGET);
    }

    /**
     * As the public constructor, with {@code vm.max_map_count} taken as {@code mapLimit} (0: the kernel's) and a
     * merge reading at most about {@code readBudget} pages.
     */
    PageMerger(HostMemory memory, SharedPages pool, long now, int mapLimit, int readBudget) {
        if (memory.tracksWrites()) {
            throw new IllegalArgumentException("host memory '" + memory.name() + "' is not CPU-written RAM");
        }
        this.memory = memory;
        this.pool = pool;
        this.pages = Math.toIntExact(memory.mappedSize() / PAGE);
        this.slots = new int[(pages + CHUNK - 1) / CHUNK][];
        this.lastEnd = now;
        this.mapLimit = mapLimit;
        this.readBudget = readBudget;
    }

    /** What one merge did. */
    public record Result(long pagesMerged, long zeroPagesGiven, long pagesRead) {
    }

    /**
     * When the next merge is due ({@link System#nanoTime()}): a second after the last ended, five for a guest that
     * runs ({@code idle} false), and at least 50 times as long as the last took; never once the merger is closed or
     * stopped by an error.
     */
    public long nextDue(boolean idle) {
        if (closed || stopped) {
            return Long.MAX_VALUE;
        }
        return lastEnd + Math.max(idle ? MIN_INTERVAL_NANOS : MIN_BUSY_INTERVAL_NANOS,
                INTERVAL_PER_DURATION * lastDuration);
    }

    /**
     * {@link #merge()} if {@link #nextDue} has passed: on the CPU thread, while the guest waits for an interrupt
     * ({@code idle}) or is stopped between two runs. A merge that cannot read {@code /proc} ends merging for this
     * memory (logged once by the caller from the exception); RAM stays as it is.
     *
     * @return the merge's result, or null if none was due
     * @throws UncheckedIOException once, when {@code /proc} cannot be read (merging then stops)
     */
    public Result mergeIfDue(long now, boolean idle) {
        if (now - nextDue(idle) < 0) {
            return null;
        }
        long start = System.nanoTime();
        try {
            return merge();
        } catch (UncheckedIOException e) {
            stopped = true;
            throw e;
        } finally {
            lastEnd = System.nanoTime();
            lastDuration = lastEnd - start;
        }
    }

    /**
     * Merges now (see the class comment), looking at the pages of at most {@value #READ_BUDGET} pages' worth of RAM
     * chunks the guest wrote, from where the last merge stopped: a guest that wrote much RAM is merged over several
     * merges, each a short pause. Only while nothing writes the memory.
     *
     * @throws IllegalStateException if the kernel refused a mapping and then a fresh anonymous one in its place: the
     *                               range may be unmapped, so the guest must not run on
     */
    public Result merge() {
        if (closed || stopped) {
            return new Result(0, 0, 0);
        }
        if (scratch == null) {
            scratch = new Memory(PAGE);
            if (mapLimit == 0) {
                mapLimit = ProcessMappings.limit();
            }
        }
        long base = memory.address();
        long[] entries = new long[Math.min(CHUNK, pages)];
        int allowed = allowance();
        boolean room = allowed > mappings;
        long merged = 0;
        long given = 0;
        long read = 0;
        int runStart = 0;
        int runLength = 0; // pages from runStart mapped to consecutive slots from slot(runStart)
        int zeroStart = 0;
        int zeroLength = 0; // anonymous zero pages from zeroStart
        int c = cursor;
        for (int scanned = 0; scanned < slots.length && read < readBudget; scanned++, c = (c + 1) % slots.length) {
            int first = c * CHUNK;
            int n = Math.min(CHUNK, pages - first);
            PageMap.read(base + first * PAGE, entries, n);
            for (int p = first; p < first + n; p++) {
                long e = entries[p - first];
                if ((e & PageMap.PRESENT) == 0 || (e & PageMap.FILE_OR_SHARED) != 0) {
                    continue; // untouched, swapped out, or still the pool's page
                }
                read++;
                LongBuffer page = new Pointer(base + p * PAGE).getByteBuffer(0, PAGE)
                        .order(ByteOrder.nativeOrder()).asLongBuffer();
                long hash = hash(page);
                if (hash == ZERO_HASH && isZero(page) && !inFileMapping.get(p)) {
                    // In anonymous memory a dropped page reads as zeros (in a file's mapping it would bring the
                    // file's bytes back: such a page is merged like any other).
                    if (zeroStart + zeroLength != p) {
                        giveBack(zeroStart, zeroLength);
                        zeroStart = p;
                        zeroLength = 0;
                    }
                    zeroLength++;
                    given++;
                    continue;
                }
                if (mappings >= allowed && room) {
                    allowed = allowance(); // other boards may have mapped meanwhile: look at the process again
                    room = allowed > mappings;
                }
                if (!room) {
                    continue;
                }
                boolean follows = runLength > 0 && runStart + runLength == p;
                int slot = pool.share(base + p * PAGE, hash, scratch, follows ? slot(runStart) + runLength : -1);
                if (slot < 0) {
                    continue;
                }
                int old = slot(p);
                if (old >= 0) {
                    pool.release(old);
                }
                slot(p, slot);
                merged++;
                if (follows && slot == slot(runStart) + runLength) {
                    runLength++;
                } else {
                    merged -= map(runStart, runLength);
                    runStart = p;
                    runLength = 1;
                }
            }
        }
        cursor = c;
        merged -= map(runStart, runLength);
        giveBack(zeroStart, zeroLength);
        pagesMerged += merged;
        zeroPagesGiven += given;
        merges = merges + 1; // last: another thread that sees the count sees the merge done
        return new Result(merged, given, read);
    }

    /**
     * How many mappings this memory may have made by the end of the next {@value #RECHECK} more: each splits a kernel
     * memory area at most twice, and half the process's {@code vm.max_map_count} stays for everyone else (the JVM's
     * threads, malloc, other boards, which may be merging at the same time: hence the small steps).
     */
    private int allowance() {
        int spare = Math.max(0, (mapLimit / 2 - ProcessMappings.count()) / 2);
        return Math.min(MAX_MAPPINGS, mappings + Math.min(RECHECK, spare));
    }

    /**
     * Maps {@code length} pages from {@code start} to their consecutive slots.
     *
     * @return how many pages stayed this memory's own (the pool was closed, or the kernel refused the mapping)
     */
    private int map(int start, int length) {
        if (length == 0) {
            return 0;
        }
        mappings++;
        if (pool.mapInto(memory, start * PAGE, length, slot(start))) {
            inFileMapping.set(start, start + length);
            return 0;
        }
        for (int p = start; p < start + length; p++) {
            pool.release(slot(p));
            slot(p, -1);
        }
        return length;
    }

    private int slot(int page) {
        int[] chunk = slots[page / CHUNK];
        return chunk == null ? -1 : chunk[page % CHUNK];
    }

    private void slot(int page, int slot) {
        int[] chunk = slots[page / CHUNK];
        if (chunk == null) {
            if (slot < 0) {
                return;
            }
            chunk = new int[CHUNK];
            Arrays.fill(chunk, -1);
            slots[page / CHUNK] = chunk;
        }
        chunk[page % CHUNK] = slot;
    }

    private void giveBack(int start, int length) {
        if (length > 0) {
            NativeMemory.giveBackZeros(memory.address() + start * PAGE, memory.address() + (start + length) * PAGE);
        }
    }

    /** Bytes of zeros hash to this (the hash of 512 zero longs), so only such pages are checked for zeros. */
    private static final long ZERO_HASH = hash(LongBuffer.wrap(new long[(int) (PAGE / 8)]));

    /** A 64-bit hash of a page's 512 longs; equal pages hash equal, the pool compares bytes before it shares. */
    static long hash(LongBuffer page) {
        long h = 0x9E37_79B9_7F4A_7C15L;
        for (int i = 0; i < page.limit(); i++) {
            h = (h ^ page.get(i)) * 0xFF51_AFD7_ED55_8CCDL;
            h ^= h >>> 29;
        }
        return h;
    }

    private static boolean isZero(LongBuffer page) {
        for (int i = 0; i < page.limit(); i++) {
            if (page.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The pool this memory merges into. */
    public SharedPages pool() {
        return pool;
    }

    /** Merges finished so far. */
    public long merges() {
        return merges;
    }

    /** Pages put into the pool or found there, in all merges so far. */
    public long pagesMerged() {
        return pagesMerged;
    }

    /** Zero pages given back, in all merges so far. */
    public long zeroPagesGiven() {
        return zeroPagesGiven;
    }

    /** Releases every slot this memory mapped (the memory's own close unmaps them). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int c = 0; c < slots.length; c++) {
            if (slots[c] != null) {
                for (int slot : slots[c]) {
                    if (slot >= 0) {
                        pool.release(slot);
                    }
                }
                slots[c] = null;
            }
        }
        if (scratch != null) {
            scratch.close();
        }
    }
}
