package dev.virtflash.memory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much memory is really resident: per {@link HostMemory}, and for the whole process.
 *
 * <p>A memory's resident bytes are the kernel's {@code Rss} for its mapping in {@code /proc/self/smaps}. That count
 * leaves out the shared zero page, which backs every page that was only read. {@code mincore(2)} does not: measured
 * here, reading all of an untouched 64 MiB mapping makes {@code mincore} report 64 MiB while {@code Rss} stays at
 * what was written. A report of "what this bank costs" needs {@code Rss}.
 */
public final class Residency {

    private static final Path SMAPS = Path.of("/proc/self/smaps");
    private static final Path STATUS = Path.of("/proc/self/status");

    private Residency() {
    }

    /** The process-wide figures of {@code /proc/self/status}, in bytes. */
    public record ProcessMemory(long vmRss, long rssAnon) {
    }

    /** Bytes of {@code memory} that are resident (private, non-zero-page), at 4 KiB granularity. */
    public static long residentBytes(HostMemory memory) {
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
                } else if (inside && line.startsWith("Rss:")) {
                    total += kib(line) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + SMAPS, e);
        }
        return total;
    }

    /** {@code VmRSS} and {@code RssAnon} of this process. */
    public static ProcessMemory process() {
        long rss = -1;
        long anon = -1;
        try {
            for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    rss = kib(line) * 1024;
                } else if (line.startsWith("RssAnon:")) {
                    anon = kib(line) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATUS, e);
        }
        return new ProcessMemory(rss, anon);
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
