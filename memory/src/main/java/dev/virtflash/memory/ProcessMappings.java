package dev.virtflash.memory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The lines of {@code /proc/self/maps}, and which address space is new between two samples: what a leaked board
 * would leave behind (its banks, its RAM, Unicorn's translation buffer), told apart from what the JVM and glibc do on
 * their own.
 *
 * <p>Counting lines does not tell them apart: the JVM commits its heap, metaspace and code cache inside ranges it
 * reserved at start (splitting one line into several), and glibc gives a thread that allocates natively a malloc
 * arena of its own, a 64 MiB-aligned heap of at most 64 MiB that it keeps for later threads. {@link #newSince} leaves
 * both out: a range counts as new only if no mapping covered it before and it is not such an arena.
 */
public final class ProcessMappings {

    private static final Path MAPS = Path.of("/proc/self/maps");
    /** glibc's {@code HEAP_MAX_SIZE} on 64-bit hosts: a non-main arena's heap is aligned to, and at most, this. */
    static final long MALLOC_HEAP_MAX = 64L << 20;

    /** One line of {@code /proc/self/maps}: {@code [start, end)}, its permissions and the file (empty if anonymous). */
    public record Mapping(long start, long end, String perms, String path) {

        public long size() {
            return end - start;
        }

        static Mapping parse(String line) {
            String[] f = line.trim().split("\\s+", 6);
            int dash = f[0].indexOf('-');
            return new Mapping(Long.parseUnsignedLong(f[0], 0, dash, 16),
                    Long.parseUnsignedLong(f[0], dash + 1, f[0].length(), 16), f[1], f.length > 5 ? f[5] : "");
        }

        @Override
        public String toString() {
            return String.format("%x-%x %s %s", start, end, perms, path).strip();
        }
    }

    private ProcessMappings() {
    }

    /** How many mappings this process has now (the lines of {@code /proc/self/maps}, counted without parsing). */
    public static int count() {
        try (InputStream in = Files.newInputStream(MAPS)) {
            byte[] buffer = new byte[64 * 1024];
            int lines = 0;
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MAPS, e);
        }
    }

    /** The kernel's limit of mappings per process ({@code vm.max_map_count}; 65,530 if it cannot be read). */
    public static int limit() {
        // Not Files.readString: it reads a zero-sized proc file one byte short ("6" for 65530), measured on JDK 17.
        try (BufferedReader in = Files.newBufferedReader(MAX_MAP_COUNT)) {
            String line = in.readLine();
            return line == null ? DEFAULT_MAX_MAP_COUNT : Integer.parseInt(line.strip());
        } catch (IOException | NumberFormatException e) {
            return DEFAULT_MAX_MAP_COUNT;
        }
    }

    private static final Path MAX_MAP_COUNT = Path.of("/proc/sys/vm/max_map_count");
    private static final int DEFAULT_MAX_MAP_COUNT = 65_530;

    /** This process's mappings now, in address order. */
    public static List<Mapping> sample() {
        try {
            List<Mapping> out = new ArrayList<>();
            for (String line : Files.readAllLines(MAPS)) {
                if (!line.isBlank()) {
                    out.add(Mapping.parse(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MAPS, e);
        }
    }

    /**
     * The mappings of {@code after} whose range no mapping of {@code before} covered, less glibc malloc arenas:
     * address space this process took since {@code before}.
     */
    public static List<Mapping> newSince(List<Mapping> before, List<Mapping> after) {
        List<Mapping> out = new ArrayList<>();
        for (int i = 0; i < after.size(); i++) {
            Mapping m = after.get(i);
            if (m.path().isEmpty() && m.start() % MALLOC_HEAP_MAX == 0) {
                int last = arenaEnd(after, i);
                if (last >= 0) {
                    i = last;
                    continue;
                }
            }
            if (!covered(before, m)) {
                out.add(m);
            }
        }
        return out;
    }

    /** Bytes of {@link #newSince}. */
    public static long newBytes(List<Mapping> before, List<Mapping> after) {
        return newSince(before, after).stream().mapToLong(Mapping::size).sum();
    }

    /**
     * If the anonymous mappings from {@code first} on are contiguous and end exactly one arena heap after its start, a
     * read-write part then an inaccessible rest, the index of the last; -1 otherwise.
     */
    private static int arenaEnd(List<Mapping> maps, int first) {
        long limit = maps.get(first).start() + MALLOC_HEAP_MAX;
        long at = maps.get(first).start();
        for (int i = first; i < maps.size(); i++) {
            Mapping m = maps.get(i);
            if (m.start() != at || !m.path().isEmpty() || m.end() > limit) {
                return -1;
            }
            at = m.end();
            if (at == limit) {
                return i;
            }
        }
        return -1;
    }

    private static boolean covered(List<Mapping> maps, Mapping m) {
        long at = m.start();
        for (Mapping b : maps) {
            if (b.start() <= at && at < b.end()) {
                at = b.end();
                if (at >= m.end()) {
                    return true;
                }
            }
        }
        return false;
    }
}
