package dev.virtflash.app.bench;

import com.sun.jna.Pointer;
import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.image.Images;
import dev.virtflash.hw.block.NonZeroReader;
import dev.virtflash.hw.block.qcow2.Qcow2Backend;
import dev.virtflash.hw.block.qcow2.Qcow2Image;
import dev.virtflash.hw.pflash.PflashCfi01;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.Residency;
import dev.virtflash.testkit.TempTree;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * The load benchmark ({@code virt bench load}): for each image kind (raw sparse and fully allocated; qcow2 v2, v3,
 * fully allocated, overlays over raw and over qcow2 with half the pieces in each layer, compressed), a 64 MiB image
 * holding 2 MiB of non-zero data in 64 scattered 32 KiB pieces (fixed seed), loaded into a fresh {@link HostMemory} two
 * ways, measured in one run:
 * <ul>
 * <li><b>reader</b>: {@link NonZeroReader#load}, what virtflash does;</li>
 * <li><b>whole</b>: the image read whole, through the format, straight into the memory with one read of 64 MiB, as
 * QEMU 7.2 does ({@code blk_pread} of the whole bank into guest RAM).</li>
 * </ul>
 * Both read a file that is in the page cache (it was just written; both are warmed up first), so the figures compare
 * the loaders, not the disk. Times are medians of several rounds and include mapping the memory; resident bytes are
 * the memory's {@code Rss} ({@link Residency}) after the load.
 *
 * <p>Size: about 440 lines, over the project's 400, on purpose: one benchmark run end to end (the image kinds it
 * builds, the timed loads, the comparison and the printed table), which reads best in one place.
 */
public final class LoadBench {

    static final long IMAGE_SIZE = PflashCfi01.VIRT_BANK_SIZE;
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

        /** How a kind writes its image. */
        @FunctionalInterface
        interface Writer {
            Path create(Path dir, Contents contents) throws IOException;
        }

        /** A kind that can always be made. */
        static Kind of(String name, Writer writer) {
            return new Kind() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public Path create(Path dir, Contents contents) throws IOException {
                    return writer.create(dir, contents);
                }
            };
        }

        /** Why this kind cannot be made here, or {@code null} when it can. */
        default String unavailable() {
            return null;
        }
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

        /** The same image with only the pieces whose index passes {@code keep}. */
        Contents only(IntPredicate keep) {
            long[] o = IntStream.range(0, offsets.length).filter(keep).mapToLong(i -> offsets[i]).toArray();
            byte[][] p = IntStream.range(0, pieces.length).filter(keep).mapToObj(i -> pieces[i])
                    .toArray(byte[][]::new);
            return new Contents(size, o, p);
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
    static final Kind RAW_SPARSE = Kind.of("raw, sparse", (dir, contents) ->
            writeRaw(dir.resolve("sparse.img"), contents, false));

    /** A raw file with every block allocated: zeros written out, then the data. */
    static final Kind RAW_FULL = Kind.of("raw, fully allocated", (dir, contents) ->
            writeRaw(dir.resolve("full.img"), contents, true));

    /** qcow2 version 3 (64 KiB clusters) holding the data, written by {@link Qcow2Backend}. */
    static final Kind QCOW2_V3 = Kind.of("qcow2 v3", (dir, contents) ->
            writeQcow2(dir.resolve("v3.qcow2"), 3, null, null, contents, i -> true, false));

    /** qcow2 version 2 holding the data. */
    static final Kind QCOW2_V2 = Kind.of("qcow2 v2", (dir, contents) ->
            writeQcow2(dir.resolve("v2.qcow2"), 2, null, null, contents, i -> true, false));

    /** qcow2 v3 with every cluster allocated: zeros written as data first, then the data. */
    static final Kind QCOW2_FULL = Kind.of("qcow2, fully allocated", (dir, contents) ->
            writeQcow2(dir.resolve("full.qcow2"), 3, null, null, contents, i -> true, true));

    /** A qcow2 overlay holding the odd pieces over a sparse raw backing file holding the even ones. */
    static final Kind QCOW2_OVER_RAW = Kind.of("qcow2 over raw", (dir, contents) -> {
        writeRaw(dir.resolve("base-of-overlay.img"), contents.only(i -> i % 2 == 0), false);
        return writeQcow2(dir.resolve("over-raw.qcow2"), 3, "base-of-overlay.img", "raw", contents,
                i -> i % 2 == 1, false);
    });

    /** A qcow2 overlay holding the odd pieces over a qcow2 backing file holding the even ones. */
    static final Kind QCOW2_OVER_QCOW2 = Kind.of("qcow2 over qcow2", (dir, contents) -> {
        writeQcow2(dir.resolve("base-of-overlay.qcow2"), 3, null, null, contents, i -> i % 2 == 0, false);
        return writeQcow2(dir.resolve("over-qcow2.qcow2"), 3, "base-of-overlay.qcow2", "qcow2", contents,
                i -> i % 2 == 1, false);
    });

    /**
     * qcow2 with deflate-compressed clusters. We do not write compressed clusters, so {@code qemu-img convert -c} makes
     * it from the sparse raw image; without {@code qemu-img} on the PATH the kind is left out (and the table says so).
     */
    static final Kind QCOW2_COMPRESSED = new Kind() {
        @Override
        public String name() {
            return "qcow2 compressed";
        }

        @Override
        public Path create(Path dir, Contents contents) throws IOException {
            Path raw = writeRaw(dir.resolve("compressed-source.img"), contents, false);
            Path image = dir.resolve("compressed.qcow2");
            Files.deleteIfExists(image);
            List<String> command = List.of(QEMU_IMG, "convert", "-c", "-f", "raw", "-O", "qcow2", raw.toString(),
                    image.toString());
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
                process.getOutputStream().close();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (process.waitFor() != 0) {
                    throw new IOException(String.join(" ", command) + " failed: " + output);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted: " + String.join(" ", command), e);
            }
            Files.delete(raw);
            return image;
        }

        @Override
        public String unavailable() {
            return onPath(QEMU_IMG) ? null : "needs " + QEMU_IMG + " on the PATH to make compressed clusters";
        }
    };

    private static final String QEMU_IMG = "qemu-img";

    /** The kinds measured. */
    static List<Kind> kinds() {
        return List.of(RAW_SPARSE, RAW_FULL, QCOW2_V2, QCOW2_V3, QCOW2_FULL, QCOW2_OVER_RAW, QCOW2_OVER_QCOW2,
                QCOW2_COMPRESSED);
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
     * Runs the benchmark. Arguments: {@code [load] [--rounds N] [--dir DIR]} (default 9 rounds, a temporary folder that is
     * deleted afterwards).
     *
     * @return 0, or 1 if the two loads disagreed on the contents or the arguments were wrong
     */
    public static int run(List<String> args, PrintStream out) {
        int rounds = DEFAULT_ROUNDS;
        Path dir = null;
        // "virt bench load ..." and "virt bench ..." both run it: load is the only benchmark
        for (int i = !args.isEmpty() && args.get(0).equals("load") ? 1 : 0; i < args.size(); i++) {
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
                List<String> skipped = new ArrayList<>();
                List<Result> results = measure(work, kinds(), rounds, skipped);
                print(results, rounds, out);
                skipped.forEach(out::println);
                return results.stream().allMatch(Result::equal) ? 0 : 1;
            } finally {
                if (temporary) {
                    TempTree.delete(work);
                }
            }
        } catch (IOException e) {
            out.println("bench load: " + e.getMessage());
            return 1;
        }
    }

    static List<Result> measure(Path dir, List<Kind> kinds, int rounds) throws IOException {
        return measure(dir, kinds, rounds, new ArrayList<>());
    }

    /** Measures the kinds that can be made here; a line for each one left out goes to {@code skipped}. */
    static List<Result> measure(Path dir, List<Kind> kinds, int rounds, List<String> skipped) throws IOException {
        Contents contents = Contents.scattered(SEED);
        List<Result> results = new ArrayList<>();
        for (Kind kind : kinds) {
            String unavailable = kind.unavailable();
            if (unavailable != null) {
                skipped.add(kind.name() + ": left out, " + unavailable);
                continue;
            }
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
                        try (HostMemory whole = HostMemory.allocateCpuWritable("bench.whole", backend.size())) {
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
                                equal = sameContents(reader, view(whole));
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
     * Whether {@code memory} holds {@code expected}: read through {@link HostMemory#read}, which answers zeros for the
     * pages the reader left untouched without touching them, so the comparison costs the reader no memory.
     */
    private static boolean sameContents(HostMemory memory, ByteBuffer expected) {
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        for (long offset = 0; offset < memory.size(); offset += chunk.capacity()) {
            int n = (int) Math.min(chunk.capacity(), memory.size() - offset);
            chunk.clear().limit(n);
            memory.read(offset, chunk);
            chunk.flip();
            if (chunk.mismatch(expected.slice((int) offset, n)) != -1) {
                return false;
            }
        }
        return true;
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

    /**
     * Writes a qcow2 image of {@code contents} (the pieces whose index passes {@code keep}) through
     * {@link Qcow2Backend}; with {@code allocateAll}, every cluster is first written with zeros (allocated zeros, as
     * a fully allocated raw file has them).
     */
    static Path writeQcow2(Path file, int version, String backing, String backingFormat, Contents contents,
            IntPredicate keep, boolean allocateAll) throws IOException {
        Qcow2Image.create(file, contents.size(), version, backing, backingFormat);
        try (BlockBackend image = Images.open(file, "qcow2", false)) {
            if (allocateAll) {
                ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
                for (long at = 0; at < contents.size(); at += zeros.capacity()) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), contents.size() - at));
                    image.write(at, zeros);
                }
            }
            for (int i = 0; i < contents.offsets().length; i++) {
                if (keep.test(i)) {
                    image.write(contents.offsets()[i], ByteBuffer.wrap(contents.pieces()[i]));
                }
            }
            image.flush();
        }
        return file;
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String folder : path.split(java.io.File.pathSeparator)) {
            if (!folder.isEmpty() && Files.isExecutable(Path.of(folder, command))) {
                return true;
            }
        }
        return false;
    }
}
