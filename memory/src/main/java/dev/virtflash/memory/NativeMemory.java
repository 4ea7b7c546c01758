package dev.virtflash.memory;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;

/**
 * Native memory that no {@link HostMemory} owns but that a board makes the process hold: the pages a native library
 * filled with zeros it does not need yet, and what glibc's allocator keeps after a library freed it. Giving both back
 * is how a board costs only what it uses, and how closing boards returns the process to where it was.
 */
public final class NativeMemory {

    private static final int PAGE = Libc.PAGE_SIZE;

    private NativeMemory() {
    }

    /**
     * The first page-aligned address in {@code [start, end)} from which every page up to {@code end} holds only zero
     * bytes, or {@code end} if the last page does not. Reads the pages: for memory some code <em>wrote</em> (never for
     * guest memory, whose untouched pages must stay untouched).
     */
    public static long zeroTail(long start, long end) {
        long tail = end;
        Pointer p = new Pointer(0);
        for (long page = end - PAGE; page >= start; page -= PAGE) {
            if (!Zeros.isZero(p.getByteBuffer(page, PAGE), 0, PAGE)) {
                break;
            }
            tail = page;
        }
        return tail;
    }

    /**
     * Gives the whole pages of {@code [start, end)} back to the kernel ({@code MADV_DONTNEED}): they read as zeros
     * afterwards, and cost nothing until written again. For private anonymous memory that holds zeros.
     *
     * @return whether the kernel accepted it
     */
    public static boolean giveBackZeros(long start, long end) {
        long from = (start + PAGE - 1) / PAGE * PAGE;
        long to = end / PAGE * PAGE;
        if (to <= from) {
            return true;
        }
        try {
            Libc.madvise(from, to - from, Libc.MADV_DONTNEED);
            return true;
        } catch (LastErrorException e) {
            return false;
        }
    }

    /**
     * Returns the free memory of every glibc malloc arena to the kernel ({@code malloc_trim(0)}): a library that ran on
     * many threads leaves each thread's arena holding what it freed.
     *
     * @return whether glibc released memory
     */
    public static boolean trimMallocArenas() {
        return Libc.malloc_trim(0) != 0;
    }

    /**
     * Caps glibc's malloc arenas for the process ({@code mallopt(M_ARENA_MAX, arenas)}, as the environment variable
     * {@code MALLOC_ARENA_MAX} does): a process that runs many boards on many threads otherwise gives each thread an
     * arena of its own (up to eight per core), and each keeps some hundred KiB after its board is closed. Affects
     * arenas made from now on; for whoever owns the process (an app's {@code main}, a test rig), never a library.
     *
     * @return whether glibc accepted it
     */
    public static boolean limitMallocArenas(int arenas) {
        if (arenas < 1) {
            throw new IllegalArgumentException("malloc arenas " + arenas + ", expected at least 1");
        }
        return Libc.mallopt(Libc.M_ARENA_MAX, arenas) == 1;
    }
}
