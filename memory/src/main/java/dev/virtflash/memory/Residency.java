package dev.virtflash.memory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How much memory is really resident: per {@link HostMemory}, and for the whole process; and which pages were touched.
 *
 * <p>A memory's resident bytes are the kernel's {@code Rss} for its mapping in {@code /proc/self/smaps}: what it
 * costs. On a kernel with a shared zero page, a page that was only read maps that page and is left out of {@code Rss}
 * (while {@code mincore(2)} counts it); on a kernel without one ({@code pvm_no_zero_page=1}, as here) the read
 * allocates a page and {@code Rss} counts it. So {@code Rss} alone cannot tell, on every kernel, whether code read a
 * page that nothing wrote. {@link #presentBytes} can: it counts the pages the kernel has mapped at all
 * ({@code /proc/self/pagemap}), which a read fault maps either way. Tests compare it with the pages that hold data.
 */
public final class Residency {

    private static final Path SMAPS = Path.of("/proc/self/smaps");
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final long PAGE = Libc.PAGE_SIZE;

    private Residency() {
    }

    /** The process-wide figures of {@code /proc/self/status}, in bytes. */
    public record ProcessMemory(long vmRss, long rssAnon, long rssShmem) {
        /** Private and shared memory that is not a file's page cache: what reading untouched memory would raise. */
        public long anonAndShmem() {
            return rssAnon + rssShmem;
        }
    }

    /** Bytes of {@code memory} that are resident (private, non-zero-page), at 4 KiB granularity. */
    public static long residentBytes(HostMemory memory) {
        return usage(List.of(memory)).get(0).resident();
    }

    /**
     * Bytes of {@code memory} that are anonymous memory this process owns ({@code Anonymous} in smaps): everything
     * resident except the pages of a file mapped there ({@link HostMemory#mapFile}), which the page cache shares
     * with every other mapping of the file.
     */
    public static long anonymousBytes(HostMemory memory) {
        return usage(List.of(memory)).get(0).anonymous();
    }

    /** What one memory holds: its {@code Rss} and its {@code Anonymous} bytes in smaps. */
    public record Usage(long resident, long anonymous) {
    }

    /**
     * The {@link Usage} of each of {@code memories}, in their order, from one reading of {@code /proc/self/smaps}
     * (a file mapping splits a memory into several mappings; their figures add up). The kernel writes smaps for
     * every mapping of the process, a few milliseconds in a JVM: read it once for all of them.
     */
    public static List<Usage> usage(List<HostMemory> memories) {
        int n = memories.size();
        long[] starts = new long[n];
        long[] ends = new long[n];
        for (int i = 0; i < n; i++) {
            starts[i] = memories.get(i).address();
            ends[i] = starts[i] + memories.get(i).mappedSize();
        }
        long[] resident = new long[n];
        long[] anonymous = new long[n];
        int inside = -1;
        try (BufferedReader in = Files.newBufferedReader(SMAPS, StandardCharsets.US_ASCII)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                int dash = line.indexOf('-');
                if (dash > 0 && dash <= 16 && isHex(line, 0, dash)) {
                    int space = line.indexOf(' ', dash);
                    long vmaStart = Long.parseUnsignedLong(line, 0, dash, 16);
                    long vmaEnd = Long.parseUnsignedLong(line, dash + 1, space, 16);
                    inside = -1;
                    for (int i = 0; i < n; i++) {
                        if (Long.compareUnsigned(vmaStart, starts[i]) >= 0
                                && Long.compareUnsigned(vmaEnd, ends[i]) <= 0) {
                            inside = i;
                            break;
                        }
                    }
                } else if (inside >= 0 && line.startsWith("Rss:")) {
                    resident[inside] += kib(line) * 1024;
                } else if (inside >= 0 && line.startsWith("Anonymous:")) {
                    anonymous[inside] += kib(line) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + SMAPS, e);
        }
        List<Usage> usage = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            usage.add(new Usage(resident[i], anonymous[i]));
        }
        return usage;
    }

    /**
     * Bytes of {@code memory}'s pages that the kernel has mapped (present or swapped in {@code /proc/self/pagemap},
     * readable without privileges): every page something wrote <em>or read</em>, on a kernel with a shared zero page
     * as on one without. A memory whose pages were touched only by writes has {@code presentBytes} equal to the bytes
     * of the pages written.
     */
    public static long presentBytes(HostMemory memory) {
        long pages = memory.mappedSize() / PAGE;
        long[] entries = new long[(int) Math.min(PageMap.CHUNK, pages)];
        long present = 0;
        for (long done = 0; done < pages; done += entries.length) {
            int n = (int) Math.min(entries.length, pages - done);
            PageMap.read(memory.address() + done * PAGE, entries, n);
            for (int i = 0; i < n; i++) {
                if ((entries[i] & (PageMap.PRESENT | PageMap.SWAPPED)) != 0) {
                    present++;
                }
            }
        }
        return present * PAGE;
    }

    /** {@code VmRSS} and {@code RssAnon} of this process. */
    public static ProcessMemory process() {
        long rss = -1;
        long anon = -1;
        long shmem = -1;
        try {
            for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    rss = kib(line) * 1024;
                } else if (line.startsWith("RssAnon:")) {
                    anon = kib(line) * 1024;
                } else if (line.startsWith("RssShmem:")) {
                    shmem = kib(line) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATUS, e);
        }
        return new ProcessMemory(rss, anon, shmem);
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static long kib(String line) {
        long v = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c >= '0' && c <= '9') {
                v = v * 10 + (c - '0');
            }
        }
        return v;
    }
}
