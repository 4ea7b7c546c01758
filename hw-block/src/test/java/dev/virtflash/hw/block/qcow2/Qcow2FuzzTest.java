package dev.virtflash.hw.block.qcow2;

import static dev.virtflash.hw.block.qcow2.Fixtures.KIB;
import static dev.virtflash.hw.block.qcow2.Fixtures.MIB;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.BlockStatus;
import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import dev.virtflash.hw.block.image.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates headers and tables of small qcow2 images (fixed seed, at least 10,000 cases: bit flips, random bytes and
 * interesting values in the header, the header cluster, the L1 and refcount tables, refcount blocks and L2 tables)
 * and opens, reads, asks block status of, and sometimes writes each one; every third one is also checked with
 * {@link Qcow2Checker}. The only failure allowed is our own
 * {@link ImageFormatException}; any other exception is a bug. Every loop in the code is bounded, so a case cannot
 * hang; the timeout only guards the build against such a bug, it measures nothing.
 */
class Qcow2FuzzTest {

    private static final int CASES = 12_000;
    private static final long SEED = 0x5EED_0C0C2L;
    /** Bytes read from each image that opens (at its start and at random places). */
    private static final int READ_BUDGET = 192 * KIB;

    @TempDir
    static Path dir;

    private static final List<Base> BASES = new ArrayList<>();

    /** One unmutated image and where its tables are. */
    private record Base(String name, byte[] bytes, int clusterSize, List<long[]> tables) {
    }

    /** Builds the base images once: small, with small clusters, and every kind of cluster in them. */
    @BeforeAll
    static void bases() throws IOException {
        Qemu q = new Qemu(dir);
        byte[] data = Fixtures.pattern(MIB, 11);
        Fixtures.write(dir, "src.raw", data);
        Fixtures.write(dir, "fuzzbase.raw", Fixtures.pattern(768 * KIB, 12));
        q.run("qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=512", "src.raw",
                "a.qcow2");
        q.run("qemu-io", "-f", "qcow2", "-c", "write -P 0x21 300k 3k", "-c", "write -z 600k 2k",
                "-c", "write -z -u 0 1k", "a.qcow2");
        q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-o", "compat=0.10,cluster_size=4k", "src.raw",
                "b.qcow2");
        q.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=2k,refcount_bits=2",
                "src.raw", "c.qcow2");
        q.run("qemu-img", "snapshot", "-c", "s1", "c.qcow2");
        q.run("qemu-io", "-f", "qcow2", "-c", "write -P 0x31 0 5k", "c.qcow2");
        q.run("qemu-img", "create", "-f", "qcow2", "-o", "cluster_size=1k", "-b", "fuzzbase.raw", "-F", "raw",
                "d.qcow2", "1M");
        q.run("qemu-io", "-f", "qcow2", "-c", "write -P 0x41 10k 3k", "-c", "write -z 100k 4k",
                "-c", "write -P 0x42 800k 2k", "d.qcow2");
        for (String name : List.of("a.qcow2", "b.qcow2", "c.qcow2", "d.qcow2")) {
            BASES.add(base(name));
        }
    }

    private static Base base(String name) throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve(name));
        List<long[]> tables = new ArrayList<>();
        try (ImageFile f = new MemoryImageFile(dir.resolve(name), bytes.clone(), true)) {
            Qcow2Header h = Qcow2Header.read(f);
            tables.add(new long[] {h.l1TableOffset(), 8L * h.l1Size()});
            tables.add(new long[] {h.refcountTableOffset(), (long) h.refcountTableClusters() * h.clusterSize()});
            ByteBuffer l1 = ByteBuffer.allocate(8 * h.l1Size());
            f.readFully(h.l1TableOffset(), l1);
            for (int i = 0; i < h.l1Size(); i++) {
                long l2 = l1.getLong(8 * i) & Entries.OFFSET_MASK;
                if (l2 != 0) {
                    tables.add(new long[] {l2, h.clusterSize()});
                }
            }
            ByteBuffer rt = ByteBuffer.allocate(8);
            f.readFully(h.refcountTableOffset(), rt);
            tables.add(new long[] {rt.getLong(0), h.clusterSize()}); // the first refcount block
            return new Base(name, bytes, h.clusterSize(), tables);
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES) // a hang guard only; the run takes seconds
    void mutatedImagesFailOnlyWithImageFormatException() throws IOException {
        Random random = new Random(SEED);
        int opened = 0;
        int refused = 0;
        int written = 0;
        int checked = 0;
        for (int n = 0; n < CASES; n++) {
            Base base = BASES.get(n % BASES.size());
            byte[] bytes = base.bytes().clone();
            StringBuilder what = new StringBuilder("case " + n + " on " + base.name() + ":");
            int mutations = 1 + random.nextInt(random.nextInt(4) == 0 ? 12 : 3);
            for (int m = 0; m < mutations; m++) {
                mutate(bytes, base, random, what);
            }
            boolean writable = random.nextInt(4) == 0;
            if (n % 3 == 0) {
                try {
                    Qcow2Checker.check(new MemoryImageFile(dir.resolve("check-" + base.name()), bytes.clone(), true));
                    checked++;
                } catch (ImageFormatException e) {
                    assertTrue(!e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
                } catch (Throwable t) {
                    throw new AssertionError(what + ": the checker threw " + t, t);
                }
            }
            try {
                if (exercise(bytes, base, writable, random)) {
                    opened++;
                    if (writable) {
                        written++;
                    }
                }
            } catch (ImageFormatException e) {
                refused++;
                assertTrue(!e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
            } catch (Throwable t) {
                throw new AssertionError(what + " threw " + t, t);
            }
        }
        // Both outcomes must be common, or the mutations are too weak or too strong to test anything.
        assertTrue(opened > CASES / 10 && refused > CASES / 10, "opened " + opened + ", refused " + refused);
        assertTrue(written > CASES / 40, "written " + written);
        assertTrue(checked > CASES / 10, "checked " + checked);
    }

    /** Opens, reads and (sometimes) writes a mutated image; true when it opened. */
    private static boolean exercise(byte[] bytes, Base base, boolean writable, Random random) throws IOException {
        MemoryImageFile file = new MemoryImageFile(dir.resolve("fuzz-" + base.name()), bytes, !writable);
        try (BlockBackend b = Qcow2Backend.open(file, (path, format) -> Images.open(path, format, true))) {
            long size = b.size();
            if (size == 0) {
                return true;
            }
            long at = 0;
            for (int i = 0; i < 48 && at < size; i++) {
                BlockStatus s = b.status(at, size - at);
                if (s.offset() != at || s.length() <= 0 || s.end() > size) {
                    throw new AssertionError("bad status run " + s + " at " + at);
                }
                at = s.end();
            }
            int budget = READ_BUDGET;
            ByteBuffer buf = ByteBuffer.allocate(32 * KIB);
            for (long offset = 0; budget > 0; offset = (long) (random.nextDouble() * size)) {
                int n = (int) Math.min(Math.min(buf.capacity(), size - offset), 1 + random.nextInt(buf.capacity()));
                buf.clear().limit(n);
                b.read(offset, buf);
                budget -= buf.capacity();
            }
            if (writable) {
                for (int i = 0; i < 4; i++) {
                    long offset = (long) (random.nextDouble() * (size - 1)) & ~511L;
                    int n = (int) Math.min(size - offset, 1 + random.nextInt(3 * base.clusterSize()));
                    byte[] data = new byte[n];
                    random.nextBytes(data);
                    if (random.nextBoolean()) {
                        b.write(offset, ByteBuffer.wrap(data));
                    } else {
                        b.writeZeroes(offset, Math.min(Math.max(512, n & ~511L), size - offset));
                    }
                    buf.clear().limit((int) Math.min(buf.capacity(), size - offset));
                    b.read(offset, buf);
                }
                b.flush();
            }
        }
        return true;
    }

    private static final long[] INTERESTING = {0, 1, -1, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL, 512, 511, 9, 21,
        22, 8, 2, 3, 4, 104, 112, 0x1_0000, 0x10_0000, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 62, 1L << 55};

    private static void mutate(byte[] bytes, Base base, Random random, StringBuilder what) {
        int where = random.nextInt(20);
        int from;
        int span;
        if (where < 8) { // header fields
            from = 0;
            span = 112;
        } else if (where < 10) { // the header cluster: extensions, backing file name
            from = 0;
            span = base.clusterSize();
        } else if (where < 14) { // one of the tables
            long[] t = base.tables().get(random.nextInt(base.tables().size()));
            from = (int) t[0];
            span = (int) Math.min(t[1], Integer.MAX_VALUE);
        } else { // the first clusters
            from = 0;
            span = 24 * base.clusterSize();
        }
        span = Math.max(1, Math.min(span, bytes.length - from));
        int at = from + random.nextInt(span);
        int kind = random.nextInt(10);
        if (kind < 4) {
            int bit = random.nextInt(8);
            bytes[at] ^= (byte) (1 << bit);
            what.append(" flip ").append(at).append('.').append(bit);
        } else if (kind < 7) {
            byte value = (byte) random.nextInt(256);
            bytes[at] = value;
            what.append(" byte ").append(at).append('=').append(value & 0xFF);
        } else {
            long value = random.nextBoolean() ? INTERESTING[random.nextInt(INTERESTING.length)]
                    : random.nextBoolean() ? bytes.length + (long) random.nextInt(4) * base.clusterSize()
                    : 1L << random.nextInt(63);
            int width = kind < 9 ? 8 : 4;
            at &= ~(width - 1);
            if (at + width > bytes.length) {
                return;
            }
            for (int i = 0; i < width; i++) {
                bytes[at + i] = (byte) (value >>> (8 * (width - 1 - i)));
            }
            what.append(" set").append(width * 8).append(' ').append(at).append('=').append(Long.toHexString(value));
        }
    }
}
