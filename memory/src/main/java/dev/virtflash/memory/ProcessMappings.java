package dev.virtflash.memory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            return parse(b, 0, b.length);
        }

        /**
         * The line in {@code b[from, to)}, without its newline: {@code start-end perms offset device inode [path]}. Read
         * by hand, byte by byte: a board reads this file as it starts, before anything is compiled, and a regular
         * expression per line made that cost milliseconds.
         */
        static Mapping parse(byte[] b, int from, int to) {
            int i = from;
            while (i < to && b[i] == ' ') {
                i++;
            }
            long start = 0;
            for (; b[i] != '-'; i++) {
                start = start << 4 | Character.digit(b[i], 16);
            }
            long end = 0;
            for (i++; b[i] != ' '; i++) {
                end = end << 4 | Character.digit(b[i], 16);
            }
            i++;
            String perms = new String(b, i, 4, StandardCharsets.US_ASCII);
            i += 4;
            for (int field = 0; field < 3; field++) { // offset, device, inode
                while (i < to && b[i] == ' ') {
                    i++;
                }
                while (i < to && b[i] != ' ') {
                    i++;
                }
            }
            while (i < to && b[i] == ' ') {
                i++;
            }
            int last = to;
            while (last > i && b[last - 1] == ' ') {
                last--;
            }
            return new Mapping(start, end, perms, last > i ? new String(b, i, last - i, StandardCharsets.UTF_8) : "");
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
        byte[] maps;
        try (InputStream in = Files.newInputStream(MAPS)) {
            maps = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MAPS, e);
        }
        List<Mapping> out = new ArrayList<>();
        for (int line = 0; line < maps.length; ) {
            int eol = line;
            while (eol < maps.length && maps[eol] != '\n') {
                eol++;
            }
            if (eol > line) {
                out.add(Mapping.parse(maps, line, eol));
            }
            line = eol + 1;
        }
        return out;
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
