package dev.virtflash.memory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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
        return smapsSum(memory, "Rss:");
    }

    /**
     * Bytes of {@code memory} that are anonymous memory this process owns ({@code Anonymous} in smaps): everything
     * resident except the pages of a file mapped there ({@link HostMemory#mapFile}), which the page cache shares
     * with every other mapping of the file.
     */
    public static long anonymousBytes(HostMemory memory) {
        return smapsSum(memory, "Anonymous:");
    }

    /** The sum of one smaps field over the mappings inside {@code memory} (a file mapping splits it in several). */
    private static long smapsSum(HostMemory memory, String field) {
        long start = memory.address();
        long end = start + memory.mappedSize();
        long total = 0;
        boolean inside = false;
        try (BufferedReader in = Files.newBufferedReader(SMAPS, StandardCharsets.US_ASCII)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                int dash = line.indexOf('-');
                if (dash > 0 && dash <= 16 && isHex(line, 0, dash)) {
                    int space = line.indexOf(' ', dash);
                    long vmaStart = Long.parseUnsignedLong(line, 0, dash, 16);
                    long vmaEnd = Long.parseUnsignedLong(line, dash + 1, space, 16);
                    inside = Long.compareUnsigned(vmaStart, start) >= 0 && Long.compareUnsigned(vmaEnd, end) <= 0;
                } else if (inside && line.startsWith(field)) {
                    total += kib(line) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + SMAPS, e);
        }
        return total;
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
