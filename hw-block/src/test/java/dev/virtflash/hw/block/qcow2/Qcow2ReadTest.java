package dev.virtflash.hw.block.qcow2;

import static dev.virtflash.hw.block.qcow2.Fixtures.KIB;
import static dev.virtflash.hw.block.qcow2.Fixtures.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.BlockStatus;
import dev.virtflash.hw.block.BlockStatus.Kind;
import dev.virtflash.hw.block.image.Images;
import dev.virtflash.hw.block.Mapping;
import dev.virtflash.hw.block.NonZeroReader;
import dev.virtflash.memory.HostMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Reading through the format: every fixture, made by {@code qemu-img}/{@code qemu-io} (commands in the failure
 * message), reads exactly as {@code qemu-img convert -O raw} says, through {@link BlockBackend#read} in uneven pieces
 * and through {@link NonZeroReader}; block status never calls data zero and follows the truth table.
 */
class Qcow2ReadTest {

    private static final int SIZE = 4 * MIB;

    @TempDir
    Path dir;

    /** The kinds of image read. */
    enum Kind2 {
        V2, V3, V3_512_BYTE_CLUSTERS, V3_2M_CLUSTERS, V3_REFCOUNT_BITS_1, ZERO_CLUSTERS, OVERLAY_ON_RAW,
        OVERLAY_ON_QCOW2, OVERLAY_BY_CONVERT, CHAIN_OF_THREE, COMPRESSED, PREALLOCATED_METADATA, PROBED_BACKING_FORMAT, V2_OVERLAY
    }

    /** Builds the fixture of a kind in {@code q.dir()} and returns the top image. */
    static Path build(Kind2 kind, Qemu q) throws IOException {
        Path d = q.dir();
        byte[] data = Fixtures.pattern(SIZE, 1);
        Fixtures.write(d, "src.raw", data);
        byte[] base = Fixtures.pattern(3 * MIB, 2);
        switch (kind) {
            case V2:
                q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-o", "compat=0.10", "src.raw", "img.qcow2");
                break;
            case V3:
                q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-o", "compat=1.1", "src.raw", "img.qcow2");
                break;
            case V3_512_BYTE_CLUSTERS:
                q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=512", "src.raw",
                        "img.qcow2");
                break;
            case V3_2M_CLUSTERS:
                q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=2M", "src.raw",
                        "img.qcow2");
                break;
            case V3_REFCOUNT_BITS_1:
                q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-o", "refcount_bits=1,cluster_size=4k",
                        "src.raw", "img.qcow2");
                break;
            case ZERO_CLUSTERS:
                q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "src.raw", "img.qcow2");
                // -z keeps the host cluster (zero + allocated), -z -u drops it (plain zero); also zero a hole
                q.run("qemu-io", "-f", "qcow2", "-c", "write -z 1M 128k", "-c", "write -z -u 1216k 64k",
                        "-c", "write -z 3M 192k", "img.qcow2");
                break;
            case OVERLAY_ON_RAW:
                Fixtures.write(d, "base.raw", base);
                q.run("qemu-img", "create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", "img.qcow2", "4M");
                q.run(overlayWrites("img.qcow2"));
                break;
            case OVERLAY_ON_QCOW2:
                Fixtures.write(d, "base.raw", base);
                q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "base.raw", "base.qcow2");
                q.run("qemu-img", "create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "img.qcow2", "4M");
                q.run(overlayWrites("img.qcow2"));
                break;
            case OVERLAY_BY_CONVERT:
                Fixtures.write(d, "base.raw", base);
                q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "base.raw", "base.qcow2");
                q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-B", "base.qcow2", "-F", "qcow2",
                        "src.raw", "img.qcow2");
                break;
            case CHAIN_OF_THREE:
                Fixtures.write(d, "base.raw", base);
                q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-o", "compat=0.10", "base.raw",
                        "base.qcow2");
                q.run("qemu-img", "create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "mid.qcow2", "3584k");
                q.run("qemu-io", "-f", "qcow2", "-c", "write -P 0x61 5000 3000", "-c", "write -P 0x62 3200k 64k",
                        "-c", "write -z 1M 64k", "mid.qcow2");
                q.run("qemu-img", "create", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", "img.qcow2", "4M");
                q.run(overlayWrites("img.qcow2"));
                break;
            case COMPRESSED:
                q.run("qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", "src.raw", "img.qcow2");
                q.run("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1060k 8k", "img.qcow2");
                break;
            case PREALLOCATED_METADATA:
                q.run("qemu-img", "create", "-f", "qcow2", "-o", "preallocation=metadata", "img.qcow2", "4M");
                q.run("qemu-io", "-f", "qcow2", "-c", "write -P 0x11 64k 4k", "-c", "write -P 0x22 2M 100k",
                        "img.qcow2");
                break;
            case PROBED_BACKING_FORMAT:
                Fixtures.write(d, "base.raw", base);
                q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "base.raw", "base.qcow2");
                Qcow2Image.create(d.resolve("img.qcow2"), SIZE, 3, "base.qcow2", null);
                q.run("qemu-io", "-f", "qcow2", "-c", "write -P 0x33 1M 4k", "img.qcow2");
                break;
            case V2_OVERLAY:
                Fixtures.write(d, "base.raw", base);
                q.run("qemu-img", "create", "-f", "qcow2", "-o", "compat=0.10", "-b", "base.raw", "-F", "raw",
                        "img.qcow2", "4M");
                q.run(overlayWrites("img.qcow2"));
                break;
            default:
                throw new AssertionError(kind);
        }
        return d.resolve("img.qcow2");
    }

    /**
     * Writes into an overlay: new data inside the backing file's data (a partial cluster, so QEMU copies the rest from
     * below), zeros over the backing file's data, and data past the backing file's end (3 MiB).
     */
    static String[] overlayWrites(String image) {
        return new String[] {"qemu-io", "-f", "qcow2", "-c", "write -P 0x41 1100k 40k", "-c", "write -z 64k 128k",
            "-c", "write -P 0x42 3136k 8k", image};
    }

    @ParameterizedTest
    @EnumSource(Kind2.class)
    void readsWhatQemuImgConvertReads(Kind2 kind) throws IOException {
        Qemu q = new Qemu(dir);
        Path image = build(kind, q);
        byte[] expected = q.contents(image);
        try (BlockBackend backend = Images.open(image, null, true)) {
            assertInstanceOf(Qcow2Backend.class, backend);
            assertEquals(expected.length, backend.size(), q.log());
            byte[] actual = new byte[expected.length];
            Random random = new Random(kind.ordinal());
            for (int at = 0; at < actual.length; ) {
                int n = Math.min(actual.length - at, 1 + random.nextInt(200 * KIB));
                backend.read(at, ByteBuffer.wrap(actual, at, n));
                at += n;
            }
            assertArrayEquals(expected, actual, "backend.read differs from qemu-img convert; made by:\n" + q.log());
            try (HostMemory memory = HostMemory.allocate("test", expected.length)) {
                NonZeroReader.load(backend, memory);
                byte[] loaded = new byte[expected.length];
                memory.read(0, loaded, 0, loaded.length);
                assertArrayEquals(expected, loaded, "NonZeroReader differs from qemu-img convert; made by:\n"
                        + q.log());
            }
            assertStatusNeverHidesData(backend, expected, q);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind2.class)
    void mappingAgreesWithQemuImgMap(Kind2 kind) throws IOException {
        Qemu q = new Qemu(dir);
        Path image = build(kind, q);
        String theirs = q.run("qemu-img", "map", "--output=json", image.getFileName().toString());
        List<String> expected = new ArrayList<>();
        Matcher m = Pattern.compile("\\{ \"start\": (\\d+), \"length\": (\\d+), \"depth\": (\\d+), \"present\":"
                + " (\\w+), \"zero\": (\\w+), \"data\": (\\w+)(?:, \"offset\": (\\d+))?\\}").matcher(theirs);
        while (m.find()) {
            expected.add(String.join(" ", m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6),
                    m.group(7) == null ? "-" : m.group(7)));
        }
        List<String> ours = new ArrayList<>();
        try (BlockBackend b = Images.open(image, null, true)) {
            Mapping current = null;
            for (long at = 0; at < b.size(); ) {
                Mapping next = b.mapping(at, Math.min(1L << 30, b.size() - at));
                assertEquals(at, next.offset());
                if (current != null && current.continuedBy(next)) {
                    current = current.merge(next);
                } else {
                    if (current != null) {
                        ours.add(describe(current));
                    }
                    current = next;
                }
                at = next.end();
            }
            ours.add(describe(current));
        }
        assertEquals(expected, ours, "qemu-img map said:\n" + theirs + "made by:\n" + q.log());
    }

    private static String describe(Mapping m) {
        return m.offset() + " " + m.length() + " " + m.depth() + " " + m.present() + " " + m.zero() + " " + m.data()
                + " " + (m.hasHostOffset() ? Long.toString(m.hostOffset()) : "-");
    }

    /** Runs tile the image, and a ZERO run really reads as zero. */
    static void assertStatusNeverHidesData(BlockBackend backend, byte[] expected, Qemu q) throws IOException {
        long at = 0;
        while (at < backend.size()) {
            BlockStatus s = backend.status(at, backend.size() - at);
            assertEquals(at, s.offset());
            assertTrue(s.length() > 0 && s.end() <= backend.size(), s.toString());
            if (s.kind() == Kind.ZERO) {
                for (long i = s.offset(); i < s.end(); i++) {
                    if (expected[(int) i] != 0) {
                        throw new AssertionError("status " + s + " hides data at " + i + "; made by:\n" + q.log());
                    }
                }
            }
            at = s.end();
        }
    }

    private static Kind statusAt(BlockBackend backend, long offset) throws IOException {
        return backend.status(offset, 1).kind();
    }

    @Test
    void statusFollowsTheTruthTable() throws IOException {
        Qemu q = new Qemu(dir.resolve("v3"));
        Files.createDirectories(q.dir());
        try (BlockBackend b = Images.open(build(Kind2.V3, q), null, true)) {
            assertEquals(Kind.DATA, statusAt(b, 0));
            assertEquals(Kind.ZERO, statusAt(b, 512 * KIB), "unallocated, no backing file");
            BlockStatus first = b.status(0, SIZE);
            assertEquals(Kind.DATA, first.kind());
            assertTrue(first.length() >= 4 * KIB && first.end() <= 64 * KIB, "data ends in the first cluster (the"
                    + " rest of its host cluster is a file hole, as qemu-img convert leaves it): " + first);
            assertEquals(new BlockStatus(96 * KIB, 16 * KIB, Kind.DATA), b.status(96 * KIB, 16 * KIB), "max");
        }
        q = new Qemu(dir.resolve("zero"));
        Files.createDirectories(q.dir());
        try (BlockBackend b = Images.open(build(Kind2.ZERO_CLUSTERS, q), null, true)) {
            assertEquals(Kind.ZERO, statusAt(b, MIB), "zero + allocated");
            assertEquals(Kind.ZERO, statusAt(b, 1216 * KIB), "plain zero");
            assertEquals(new BlockStatus(MIB, 128 * KIB, Kind.ZERO), b.status(MIB, 192 * KIB));
            assertEquals(new BlockStatus(1152 * KIB, 64 * KIB, Kind.DATA), b.status(1152 * KIB, MIB),
                    "the data left between the zeroed ranges");
            assertEquals(Kind.ZERO, statusAt(b, 3 * MIB), "zeroed where nothing was allocated");
        }
        q = new Qemu(dir.resolve("overlay"));
        Files.createDirectories(q.dir());
        try (BlockBackend b = Images.open(build(Kind2.OVERLAY_ON_QCOW2, q), null, true)) {
            assertEquals(Kind.ZERO, statusAt(b, 64 * KIB), "zero cluster in the overlay");
            assertEquals(Kind.DATA, statusAt(b, 1088 * KIB), "overlay data");
            assertEquals(Kind.UNKNOWN, statusAt(b, 0), "unallocated over the backing file's data");
            assertEquals(Kind.ZERO, statusAt(b, 2 * MIB + 64 * KIB), "unallocated over a range the backing file"
                    + " knows is zero (we ask the chain; QEMU would say UNKNOWN)");
            assertEquals(Kind.UNKNOWN, statusAt(b, MIB), "unallocated over the backing file's data");
            assertEquals(Kind.ZERO, statusAt(b, 3 * MIB), "unallocated beyond the backing file's end");
            assertEquals(Kind.DATA, statusAt(b, 3 * MIB + 64 * KIB), "overlay data beyond the backing file");
        }
        q = new Qemu(dir.resolve("compressed"));
        Files.createDirectories(q.dir());
        try (BlockBackend b = Images.open(build(Kind2.COMPRESSED, q), null, true)) {
            assertEquals(Kind.DATA, statusAt(b, 0), "compressed");
            assertEquals(Kind.ZERO, statusAt(b, 512 * KIB));
        }
        q = new Qemu(dir.resolve("prealloc"));
        Files.createDirectories(q.dir());
        try (BlockBackend b = Images.open(build(Kind2.PREALLOCATED_METADATA, q), null, true)) {
            assertEquals(Kind.ZERO, statusAt(b, 0), "preallocated data cluster over a file hole");
            assertEquals(Kind.DATA, statusAt(b, 64 * KIB), "written cluster");
            assertEquals(Kind.ZERO, statusAt(b, 3 * MIB), "preallocated data cluster over a file hole");
        }
    }

    @Test
    void bytesPastAShortBackingFileReadAsZero() throws IOException {
        Qemu q = new Qemu(dir);
        byte[] base = new byte[100_000]; // not even a whole number of sectors
        Arrays.fill(base, (byte) 0x77);
        Fixtures.write(dir, "short.raw", base);
        q.run("qemu-img", "create", "-f", "qcow2", "-b", "short.raw", "-F", "raw", "img.qcow2", "1M");
        byte[] expected = q.contents(dir.resolve("img.qcow2"));
        try (BlockBackend b = Images.open(dir.resolve("img.qcow2"), null, true)) {
            byte[] actual = new byte[(int) b.size()];
            b.read(0, ByteBuffer.wrap(actual));
            assertArrayEquals(expected, actual, q.log());
            assertEquals(0x77, actual[99_999]);
            assertEquals(0, actual[100_000]);
            BlockStatus s = b.status(0, b.size());
            assertEquals(Kind.UNKNOWN, s.kind());
            assertEquals(100_352, s.end(), "the backing file's end rounded up to a sector");
            assertEquals(Kind.ZERO, b.status(s.end(), b.size() - s.end()).kind());
        }
    }

    /**
     * QEMU 8.0's first {@code blk_pread_nonzeroes} read the protocol child ({@code bs->file}) and so loaded the qcow2
     * container's bytes into the flash. The container of this image starts with the magic number and holds its data
     * elsewhere; the loader must produce the guest-visible contents instead.
     */
    @Test
    void loadsTheContentsNotTheContainer() throws IOException {
        Qemu q = new Qemu(dir);
        byte[] data = new byte[64 * MIB];
        Random random = new Random(64);
        Fixtures.fill(data, 0, 64 * KIB, random);
        Fixtures.fill(data, 5 * MIB, MIB, random);
        Fixtures.fill(data, 64 * MIB - 4096, 4096, random);
        Fixtures.write(dir, "flash.raw", data);
        q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "flash.raw", "flash.qcow2");
        byte[] container = Files.readAllBytes(dir.resolve("flash.qcow2"));
        byte[] contents = q.contents(dir.resolve("flash.qcow2"));
        assertArrayEquals(data, contents);
        assertFalse(Arrays.equals(container, 0, 4096, contents, 0, 4096), "container and contents differ");
        assertEquals(0x51, container[0]);
        try (BlockBackend b = Images.open(dir.resolve("flash.qcow2"), null, true);
                HostMemory memory = HostMemory.allocate("virt.flash0", 64 * MIB)) {
            NonZeroReader.load(b, memory);
            byte[] loaded = new byte[64 * MIB];
            memory.read(0, loaded, 0, loaded.length);
            assertArrayEquals(contents, loaded, "the loader must read through the format; made by:\n" + q.log());
        }
    }
}
