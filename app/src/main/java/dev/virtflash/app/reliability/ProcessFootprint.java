package dev.virtflash.app.reliability;

import dev.virtflash.memory.ProcessMappings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What this process holds, from {@code /proc/self}: resident memory ({@code VmRSS}), open file descriptors (entries
 * of {@code fd/}), native mappings (lines of {@code maps}) and threads ({@code Threads}). A leak per boot shows up as
 * growth of one of them between two samples.
 *
 * @param rssBytes     {@code VmRSS} in bytes
 * @param openFds      entries of {@code /proc/self/fd}
 * @param mappings     lines of {@code /proc/self/maps}
 * @param threads      {@code Threads} of {@code /proc/self/status}
 * @param maps         the mappings themselves, to tell new address space from lines the JVM split
 *                     ({@link ProcessMappings#newSince})
 */
public record ProcessFootprint(long rssBytes, int openFds, int mappings, int threads,
                               List<ProcessMappings.Mapping> maps) {

    public ProcessFootprint {
        maps = List.copyOf(maps);
    }

    private static final Path PROC_SELF = Path.of("/proc/self");

    /** Samples the process now. */
    public static ProcessFootprint sample() {
        try {
            long rss = -1;
            int threads = -1;
            for (String line : Files.readAllLines(PROC_SELF.resolve("status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kib(line) * 1024;
                } else if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(line.substring("Threads:".length()).strip());
                }
            }
            int fds = 0;
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC_SELF.resolve("fd"))) {
                for (Path ignored : dir) {
                    fds++;
                }
            }
            List<ProcessMappings.Mapping> maps = ProcessMappings.sample();
            return new ProcessFootprint(rss, fds - 1, maps.size(), threads, maps); // less the directory stream's fd
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self", e);
        }
    }

    private static long kib(String statusLine) {
        String v = statusLine.substring(statusLine.indexOf(':') + 1).strip();
        return Long.parseLong(v.substring(0, v.indexOf(' ')));
    }

    /**
     * The largest relative growth from {@code start} to this sample over the four figures, e.g. 0.03 for 3 %;
     * shrinking counts as 0.
     */
    public double growthSince(ProcessFootprint start) {
        return Math.max(Math.max(growth(start.rssBytes, rssBytes), growth(start.openFds, openFds)),
                Math.max(growth(start.mappings, mappings), growth(start.threads, threads)));
    }

    /** Bytes of address space mapped since {@code start} that no mapping covered then (malloc arenas aside). */
    public long newAddressSpaceSince(ProcessFootprint start) {
        return ProcessMappings.newBytes(start.maps, maps);
    }

    /** RSS growth since {@code start}, relative: 0.02 for 2 %; shrinking counts as 0. */
    public double rssGrowthSince(ProcessFootprint start) {
        return growth(start.rssBytes, rssBytes);
    }

    /**
     * Whether nothing leaks from {@code start} to this sample: RSS grew by at most {@code maxRssGrowth}, no more open
     * descriptors and threads than then, and no new address space.
     */
    public boolean flatSince(ProcessFootprint start, double maxRssGrowth) {
        return rssGrowthSince(start) <= maxRssGrowth && openFds <= start.openFds && threads <= start.threads
                && newAddressSpaceSince(start) == 0;
    }

    private static double growth(long from, long to) {
        return from <= 0 ? (to > from ? Double.POSITIVE_INFINITY : 0) : Math.max(0, (double) (to - from) / from);
    }

    /** One line: {@code RSS 85.2 MiB, 14 fds, 412 mappings, 17 threads}. */
    public String describe() {
        return String.format("RSS %.1f MiB, %d fds, %d mappings, %d threads", rssBytes / 1048576.0, openFds, mappings,
                threads);
    }
}
