package dev.virtflash.hw.block;

import static dev.virtflash.hw.block.ExternalTool.qemuImg;
import static dev.virtflash.hw.block.ExternalTool.run;

import dev.virtflash.memory.Zeros;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Generated test images. {@link #writeSource} writes random contents (fixed seed) into a sparse raw file with Java;
 * each {@link Kind} then turns that source into an image of its kind with {@code qemu-img}/{@code qemu-io}, the
 * command recorded in the kind. Every kind's guest-visible contents equal the source's (padded to whole sectors),
 * except where a kind says otherwise; the tests take the truth from {@code qemu-img convert -O raw} of the image.
 */
public final class ImageFixtures {

    private ImageFixtures() {
    }

    /** A kind of image made from a raw source. */
    public interface Kind {
        String name();

        /** Builds the image in {@code dir} from {@code source} and returns its path. */
        Path build(Path dir, Path source) throws IOException;
    }

    private static Kind kind(String name, Builder builder) {
        return new Kind() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Path build(Path dir, Path source) throws IOException {
                return builder.build(dir, source);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    @FunctionalInterface
    private interface Builder {
        Path build(Path dir, Path source) throws IOException;
    }

    /** The source itself: written by Java, unaligned extents, explicitly written zeros, any length. */
    public static final Kind RAW_DIRECT = kind("raw written directly", (dir, source) -> source);

    /** {@code qemu-img convert -f raw -O raw SRC sparse.img}: holes wherever 4 KiB of the source are zero. */
    public static final Kind RAW_SPARSE = kind("raw sparse", (dir, source) -> {
        qemuImg(dir, "convert", "-f", "raw", "-O", "raw", source.toString(), "sparse.img");
        return dir.resolve("sparse.img");
    });

    /** {@code qemu-img convert -f raw -O raw -S 0 SRC full.img}: every block written, zeros included. */
    public static final Kind RAW_FULL = kind("raw fully allocated", (dir, source) -> {
        qemuImg(dir, "convert", "-f", "raw", "-O", "raw", "-S", "0", source.toString(), "full.img");
        return dir.resolve("full.img");
    });

    /**
     * {@code qemu-img convert -f raw -O raw -o preallocation=falloc SRC falloc.img}: zero ranges are preallocated
     * (unwritten) extents, which the file system reports as holes.
     */
    public static final Kind RAW_FALLOC = kind("raw preallocated", (dir, source) -> {
        qemuImg(dir, "convert", "-f", "raw", "-O", "raw", "-o", "preallocation=falloc", source.toString(),
                "falloc.img");
        return dir.resolve("falloc.img");
    });

    /** The raw kinds. */
    public static final List<Kind> RAW = List.of(RAW_DIRECT, RAW_SPARSE, RAW_FULL, RAW_FALLOC);

    /** {@code qemu-img convert -f raw -O qcow2 -o compat=0.10 SRC v2.qcow2}. */
    public static final Kind QCOW2_V2 = kind("qcow2 v2", (dir, source) -> {
        qemuImg(dir, "convert", "-f", "raw", "-O", "qcow2", "-o", "compat=0.10", source.toString(), "v2.qcow2");
        return dir.resolve("v2.qcow2");
    });

    /** {@code qemu-img convert -f raw -O qcow2 -o compat=1.1 SRC v3.qcow2}. */
    public static final Kind QCOW2_V3 = kind("qcow2 v3", (dir, source) -> {
        qemuImg(dir, "convert", "-f", "raw", "-O", "qcow2", "-o", "compat=1.1", source.toString(), "v3.qcow2");
        return dir.resolve("v3.qcow2");
    });

    /**
     * {@code qemu-img convert -f raw -O qcow2 -o compat=1.1 -S 0 SRC zero.qcow2} (every cluster allocated), then
     * {@code qemu-io -f qcow2 -c 'write -z OFF 64k'} on every fourth cluster: zero clusters (some over data).
     * The contents differ from the source there; the truth comes from qemu-img convert.
     */
    public static final Kind QCOW2_ZERO_CLUSTERS = kind("qcow2 zero clusters", (dir, source) -> {
        qemuImg(dir, "convert", "-f", "raw", "-O", "qcow2", "-o", "compat=1.1", "-S", "0", source.toString(),
                "zero.qcow2");
        long size = Files.size(source) / 65536 * 65536;
        for (long at = 0; at < size; at += 4 * 65536) {
            run(dir, "qemu-io", "-f", "qcow2", "-c", "write -z " + at + " 64k", "zero.qcow2");
        }
        return dir.resolve("zero.qcow2");
    });

    /**
     * {@code qemu-img convert -f raw -O raw SRC base.raw}, {@code qemu-img create -f qcow2 -b base.raw -F raw
     * over-raw.qcow2}, then {@code qemu-io -c 'write -P 0x5a 64k 64k' -c 'write -z 256k 64k'}: an overlay whose
     * unallocated clusters read from a raw backing file.
     */
    public static final Kind QCOW2_OVER_RAW = kind("qcow2 over raw", (dir, source) -> {
        qemuImg(dir, "convert", "-f", "raw", "-O", "raw", source.toString(), "base.raw");
        qemuImg(dir, "create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", "over-raw.qcow2");
        overlayWrites(dir, "over-raw.qcow2");
        return dir.resolve("over-raw.qcow2");
    });

    /**
     * {@code qemu-img convert -f raw -O qcow2 SRC base.qcow2}, {@code qemu-img create -f qcow2 -b base.qcow2 -F qcow2
     * over-qcow2.qcow2}, then the same {@code qemu-io} writes: an overlay over a qcow2 backing file.
     */
    public static final Kind QCOW2_OVER_QCOW2 = kind("qcow2 over qcow2", (dir, source) -> {
        qemuImg(dir, "convert", "-f", "raw", "-O", "qcow2", source.toString(), "base.qcow2");
        qemuImg(dir, "create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "over-qcow2.qcow2");
        overlayWrites(dir, "over-qcow2.qcow2");
        return dir.resolve("over-qcow2.qcow2");
    });

    /** {@code qemu-img convert -c -f raw -O qcow2 SRC compressed.qcow2}: deflate-compressed clusters. */
    public static final Kind QCOW2_COMPRESSED = kind("qcow2 compressed", (dir, source) -> {
        qemuImg(dir, "convert", "-c", "-f", "raw", "-O", "qcow2", source.toString(), "compressed.qcow2");
        return dir.resolve("compressed.qcow2");
    });

    /** The qcow2 kinds. */
    public static final List<Kind> QCOW2 = List.of(QCOW2_V2, QCOW2_V3, QCOW2_ZERO_CLUSTERS, QCOW2_OVER_RAW,
            QCOW2_OVER_QCOW2, QCOW2_COMPRESSED);

    /** Every kind: the raw ones and the qcow2 ones (v2, v3, zero clusters, overlays over raw and qcow2, compressed). */
    public static final List<Kind> ALL = Stream.concat(RAW.stream(), QCOW2.stream()).toList();

    /** Test cases {@code (kind, seed)} for every kind and the seeds 1 to {@code seeds}. */
    public static Stream<Arguments> cases(int seeds) {
        return ALL.stream().flatMap(kind -> LongStream.rangeClosed(1, seeds).mapToObj(seed -> Arguments.of(kind, seed)));
    }

    private static void overlayWrites(Path dir, String overlay) {
        run(dir, "qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 64k 64k", "-c", "write -z 256k 64k", overlay);
    }

    /**
     * Writes random contents into {@code file}, a sparse raw file: a size of 256 KiB to 4 MiB (sometimes not a
     * multiple of 512) and up to 12 pieces at random offsets and lengths, each random bytes, explicitly written zeros,
     * mostly-zero bytes with a few set, or one repeated byte.
     */
    public static Path writeSource(Path file, long seed) throws IOException {
        Random random = new Random(seed);
        long size = (1 + random.nextInt(16)) * 256L * 1024;
        if (random.nextInt(4) == 0) {
            size += random.nextInt(65536) + 1;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            int pieces = random.nextInt(13);
            for (int i = 0; i < pieces; i++) {
                long offset = random.nextInt(3) == 0 ? random.nextLong(size / 4096) * 4096 : random.nextLong(size);
                int length = (int) Math.min(size - offset, 1 + random.nextInt(256 * 1024));
                byte[] bytes = new byte[length];
                switch (random.nextInt(4)) {
                    case 0 -> random.nextBytes(bytes);
                    case 1 -> { } // zeros, written: an allocated extent that reads as zero
                    case 2 -> {
                        for (int k = random.nextInt(8); k >= 0; k--) {
                            bytes[random.nextInt(length)] = (byte) (1 + random.nextInt(255));
                        }
                    }
                    default -> java.util.Arrays.fill(bytes, (byte) (1 + random.nextInt(255)));
                }
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer, offset + buffer.position());
                }
            }
        }
        try (var file2 = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            file2.setLength(size); // the tail stays a hole
        }
        return file;
    }

    /** The guest-visible contents of {@code image} as QEMU sees them: {@code qemu-img convert -O raw IMAGE}. */
    public static byte[] qemuContents(Path image) throws IOException {
        Path out = image.resolveSibling(image.getFileName() + ".qemu-contents.raw");
        qemuImg(image.getParent(), "convert", "-O", "raw", image.getFileName().toString(), out.getFileName()
                .toString());
        byte[] bytes = Files.readAllBytes(out);
        Files.delete(out);
        return bytes;
    }

    /** Pages of {@code bytes} (4 KiB, the last one possibly short) that hold a non-zero byte. */
    public static long nonZeroPages(byte[] bytes) {
        long pages = 0;
        for (int page = 0; page < bytes.length; page += NonZeroReader.PAGE) {
            if (!Zeros.isZero(bytes, page, Math.min(NonZeroReader.PAGE, bytes.length - page))) {
                pages++;
            }
        }
        return pages;
    }
}
