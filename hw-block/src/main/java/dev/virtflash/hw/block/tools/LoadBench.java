package dev.virtflash.hw.block.tools;

import com.sun.jna.Pointer;
import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.Images;
import dev.virtflash.hw.block.NonZeroReader;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.Residency;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The load benchmark ({@code virt bench load}): for each image kind, a 64 MiB image holding 2 MiB of non-zero data in
 * 64 scattered 32 KiB pieces (fixed seed), loaded into a fresh {@link HostMemory} two ways, measured in one run:
 * <ul>
 * <li><b>reader</b>: {@link NonZeroReader#load}, what virtflash does;</li>
 * <li><b>whole</b>: the image read whole, through the format, straight into the memory with one read of 64 MiB, as
 * QEMU 7.2 does ({@code blk_pread} of the whole bank into guest RAM).</li>
 * </ul>
 * Both read a file that is in the page cache (it was just written; both are warmed up first), so the figures compare
 * the loaders, not the disk. Times are medians of several rounds and include mapping the memory; resident bytes are
 * the memory's {@code Rss} ({@link Residency}) after the load.
 */
public final class LoadBench {

    static final long IMAGE_SIZE = 64L << 20;
    static final int PIECES = 64;
    static final int PIECE = 32 << 10;
    static final long SEED = 20230126L;
    private static final int WARM_UP = 10;
    private static final int DEFAULT_ROUNDS = 15;

    private LoadBench() {
    }

    /** One kind of image: how to make it, in {@code dir}, from the benchmark's contents. */
    interface Kind {
        String name();

        /** Writes the image and returns its path. */
        Path create(Path dir, Contents contents) throws IOException;
    }

    /** The image's contents: a size and the non-zero pieces. */
    record Contents(long size, long[] offsets, byte[][] pieces) {
        long nonZeroPages() {
            long pages = 0;
            for (byte[] piece : pieces) {
                pages += piece.length / NonZeroReader.PAGE;
            }
            return pages;
        }

        /** 64 pieces of 32 KiB of random bytes, each at a random page in its own 1 MiB slot. */
        static Contents scattered(long seed) {
            Random random = new Random(seed);
            long slot = IMAGE_SIZE / PIECES;
            long[] offsets = new long[PIECES];
            byte[][] pieces = new byte[PIECES][PIECE];
            for (int i = 0; i < PIECES; i++) {
                offsets[i] = i * slot + random.nextInt((int) ((slot - PIECE) / NonZeroReader.PAGE)) * NonZeroReader.PAGE;
                random.nextBytes(pieces[i]);
                for (int p = 0; p < PIECE; p += NonZeroReader.PAGE) {
                    pieces[i][p] |= 1; // every page non-zero, whatever the random bytes
                }
            }
            return new Contents(IMAGE_SIZE, offsets, pieces);
        }
    }

    /** A raw file with holes everywhere but the data. */
    static final Kind RAW_SPARSE = new Kind() {
        @Override
        public String name() {
            return "raw, sparse";
        }

        @Override
        public Path create(Path dir, Contents contents) throws IOException {
            return writeRaw(dir.resolve("sparse.img"), contents, false);
        }
    };

    /** A raw file with every block allocated: zeros written out, then the data. */
    static final Kind RAW_FULL = new Kind() {
        @Override
        public String name() {
            return "raw, fully allocated";
        }

        @Override
        public Path create(Path dir, Contents contents) throws IOException {
            return writeRaw(dir.resolve("full.img"), contents, true);
        }
    };

    /** The kinds measured. */
    static List<Kind> kinds() {
        return List.of(RAW_SPARSE, RAW_FULL);
    }

    /** One kind's figures. */
    record Result(String kind, long nonZeroBytes, double readerMillis, long readerResident, double wholeMillis,
            long wholeResident, boolean equal) {
        double speedUp() {
            return wholeMillis / readerMillis;
        }

        /** Reader's resident bytes relative to the non-zero pages, minus one: 0.0 is exact. */
        double residentError() {
            return (double) readerResident / nonZeroBytes - 1;
        }
    }

    /**
     * Runs the benchmark. Arguments: {@code [--rounds N] [--dir DIR]} (default 9 rounds, a temporary folder that is
     * deleted afterwards).
     *
     * @return 0, or 1 if the two loads disagreed on the contents or the arguments were wrong
     */
    public static int run(List<String> args, PrintStream out) {
        int rounds = DEFAULT_ROUNDS;
        Path dir = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--rounds") && i + 1 < args.size()) {
                try {
                    rounds = Integer.parseInt(args.get(++i));
                } catch (NumberFormatException e) {
                    rounds = -1;
                }
                if (rounds < 1) {
                    out.println("bench load: --rounds " + args.get(i) + ", expected a positive number");
                    return 1;
                }
            } else if (arg.equals("--dir") && i + 1 < args.size()) {
                dir = Path.of(args.get(++i));
            } else {
                out.println("bench load: unknown argument '" + arg + "', expected --rounds N or --dir DIR");
                return 1;
            }
        }
        try {
            boolean temporary = dir == null;
            Path work = temporary ? Files.createTempDirectory("virt-bench-") : Files.createDirectories(dir);
            try {
                List<Result> results = measure(work, kinds(), rounds);
                print(results, rounds, out);
                return results.stream().allMatch(Result::equal) ? 0 : 1;
            } finally {
                if (temporary) {
                    deleteTree(work);
                }
            }
        } catch (IOException e) {
            out.println("bench load: " + e.getMessage());
            return 1;
        }
    }

    static List<Result> measure(Path dir, List<Kind> kinds, int rounds) throws IOException {
        Contents contents = Contents.scattered(SEED);
        List<Result> results = new ArrayList<>();
        for (Kind kind : kinds) {
            Path image = kind.create(dir, contents);
            try (BlockBackend backend = Images.open(image, null, true)) {
                double[] readerTimes = new double[rounds];
                double[] wholeTimes = new double[rounds];
                long readerResident = 0;
                long wholeResident = 0;
                boolean equal = true;
                for (int round = -WARM_UP; round < rounds; round++) {
                    try (HostMemory reader = HostMemory.allocate("bench.reader", backend.size())) {
                        long t0 = System.nanoTime();
                        NonZeroReader.load(backend, reader);
                        long t1 = System.nanoTime();
                        try (HostMemory whole = HostMemory.allocate("bench.whole", backend.size())) {
                            long t2 = System.nanoTime();
                            backend.read(0, view(whole));
                            long t3 = System.nanoTime();
                            if (round >= 0) {
                                readerTimes[round] = (t1 - t0) / 1e6;
                                wholeTimes[round] = (t3 - t2) / 1e6;
                                readerResident = Math.max(readerResident, Residency.residentBytes(reader));
                                wholeResident = Math.max(wholeResident, Residency.residentBytes(whole));
                            }
                            if (round == rounds - 1) {
                                equal = view(reader).mismatch(view(whole)) == -1;
                            }
                        }
                    }
                }
                results.add(new Result(kind.name(), contents.nonZeroPages() * NonZeroReader.PAGE,
                        median(readerTimes), readerResident, median(wholeTimes), wholeResident, equal));
            }
        }
        return results;
    }

    /**
     * The memory as a buffer, so the whole read lands in it with one read call as QEMU's does. (Only the benchmark
     * does this; the emulator writes a {@link HostMemory} through its bounds-checked methods.)
     */
    private static ByteBuffer view(HostMemory memory) {
        return new Pointer(memory.address()).getByteBuffer(0, memory.size());
    }

    static void print(List<Result> results, int rounds, PrintStream out) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "load of a %d MiB image holding %d KiB of non-zero data"
                        + " (%d pieces of %d KiB), median of %d rounds after %d warm-up rounds%n",
                IMAGE_SIZE >> 20, (long) PIECES * PIECE >> 10, PIECES, PIECE >> 10, rounds, WARM_UP));
        text.append(String.format(Locale.ROOT, "%-22s %12s %14s %12s %14s %9s %11s %s%n", "image", "reader ms",
                "reader resident", "whole ms", "whole resident", "speed-up", "resident vs", "same"));
        text.append(String.format(Locale.ROOT, "%-22s %12s %14s %12s %14s %9s %11s %s%n", "", "", "", "", "", "",
                "non-zero", "contents"));
        for (Result r : results) {
            text.append(String.format(Locale.ROOT, "%-22s %12.2f %14s %12.2f %14s %8.1fx %+10.2f%% %s%n", r.kind(),
                    r.readerMillis(), kib(r.readerResident()), r.wholeMillis(), kib(r.wholeResident()), r.speedUp(),
                    r.residentError() * 100, r.equal() ? "yes" : "NO"));
        }
        text.append("targets (issue 4): speed-up >= 20x; reader resident within 1% of the non-zero pages\n");
        for (Result r : results) {
            text.append(String.format(Locale.ROOT, "  %-22s speed-up %s, residency %s%n", r.kind(),
                    r.speedUp() >= 20 ? "met" : "missed", Math.abs(r.residentError()) <= 0.01 ? "met" : "missed"));
        }
        out.print(text);
    }

    private static String kib(long bytes) {
        return String.format(Locale.ROOT, "%d KiB", bytes >> 10);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Writes a raw image of {@code contents}; with {@code allocateAll}, every byte is written (zeros included). */
    static Path writeRaw(Path file, Contents contents, boolean allocateAll) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            if (allocateAll) {
                ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
                for (long at = 0; at < contents.size(); at += zeros.capacity()) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), contents.size() - at));
                    while (zeros.hasRemaining()) {
                        channel.write(zeros, at + zeros.position());
                    }
                }
            }
            for (int i = 0; i < contents.offsets().length; i++) {
                ByteBuffer piece = ByteBuffer.wrap(contents.pieces()[i]);
                while (piece.hasRemaining()) {
                    channel.write(piece, contents.offsets()[i] + piece.position());
                }
            }
            if (channel.size() < contents.size()) {
                try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
                    raf.setLength(contents.size()); // grows with a hole
                }
            }
            channel.force(false);
        }
        return file;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
