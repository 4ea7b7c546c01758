package dev.virtflash.memory;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import java.util.List;

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
     * Unmaps the pages of a loaded library's read-only mappings that are still the file's own ({@code MADV_DONTNEED}
     * on page-cache pages, as {@code /proc/self/pagemap} tells them): what the dynamic loader read to bind the library
     * (its symbol tables and relocations, read once at load) and its load-time code. They stay in the host's page
     * cache, and a later read maps them again. Pages the loader wrote (relocated read-only data, private anonymous
     * memory now) are kept, and writable mappings are not looked at.
     *
     * @param symbol the address of any symbol of the library (tells its file, whatever name it was loaded by)
     * @return the bytes unmapped
     */
    public static long unmapCleanLibraryPages(long symbol) {
        List<ProcessMappings.Mapping> maps = ProcessMappings.sample();
        String file = null;
        for (ProcessMappings.Mapping m : maps) {
            if (m.start() <= symbol && symbol < m.end() && !m.path().isEmpty()) {
                file = m.path();
            }
        }
        if (file == null) {
            throw new IllegalArgumentException(String.format("0x%x is in no file's mapping", symbol));
        }
        long dropped = 0;
        long[] entries = new long[PageMap.CHUNK];
        for (ProcessMappings.Mapping m : maps) {
            if (!m.path().equals(file) || m.perms().indexOf('w') >= 0) {
                continue;
            }
            for (long chunk = m.start(); chunk < m.end(); chunk += (long) PageMap.CHUNK * PAGE) {
                int pages = (int) Math.min(PageMap.CHUNK, (m.end() - chunk) / PAGE);
                PageMap.read(chunk, entries, pages);
                for (int i = 0; i < pages; ) {
                    if (!isCleanFilePage(entries[i])) {
                        i++;
                        continue;
                    }
                    int run = i;
                    while (run < pages && isCleanFilePage(entries[run])) {
                        run++;
                    }
                    try {
                        Libc.madvise(chunk + (long) i * PAGE, (long) (run - i) * PAGE, Libc.MADV_DONTNEED);
                        dropped += (long) (run - i) * PAGE;
                    } catch (LastErrorException e) {
                        return dropped; // the mapping changed under us (unloaded): nothing more to give back there
                    }
                    i = run;
                }
            }
        }
        return dropped;
    }

    private static boolean isCleanFilePage(long entry) {
        return (entry & PageMap.PRESENT) != 0 && (entry & PageMap.FILE_OR_SHARED) != 0;
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
