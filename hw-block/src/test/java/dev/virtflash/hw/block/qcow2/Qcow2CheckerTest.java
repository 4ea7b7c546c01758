package dev.virtflash.hw.block.qcow2;

import static dev.virtflash.hw.block.qcow2.Fixtures.KIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our checker against {@code qemu-img check} on clean images of every kind and on deliberately corrupted ones: the
 * same counts (corruptions, leaks, check errors, image end offset, allocated/fragmented/compressed clusters), the
 * same exit status, the same problem lines.
 */
class Qcow2CheckerTest {

    @TempDir
    Path dir;

    /** Compares our report with qemu-img check's on {@code image}; returns ours. */
    private static Qcow2CheckReport compare(Qemu q, Path image) throws IOException {
        Qemu.Check theirs = q.check(image);
        Qcow2CheckReport ours = Qcow2Checker.check(image);
        String context = "qemu-img check said:\n" + theirs.messages() + "\nwe said:\n"
                + String.join("\n", ours.messages()) + "\nmade by:\n" + q.log();
        assertEquals(theirs.corruptions(), ours.corruptions(), "corruptions; " + context);
        assertEquals(theirs.leaks(), ours.leaks(), "leaks; " + context);
        assertEquals(theirs.checkErrors(), ours.checkErrors(), "check errors; " + context);
        assertEquals(theirs.exit(), ours.exitStatus(), "exit status; " + context);
        assertEquals(theirs.totalClusters(), ours.totalClusters(), "total clusters; " + context);
        assertEquals(theirs.allocatedClusters(), ours.allocatedClusters(), "allocated clusters; " + context);
        assertEquals(theirs.fragmentedClusters(), ours.fragmentedClusters(), "fragmented clusters; " + context);
        assertEquals(theirs.compressedClusters(), ours.compressedClusters(), "compressed clusters; " + context);
        if (theirs.checkErrors() == 0) {
            assertEquals(theirs.imageEndOffset(), ours.imageEndOffset(), "image end offset; " + context);
        }
        List<String> qemuLines = Arrays.stream(theirs.messages().split("\n"))
                .filter(l -> l.startsWith("ERROR") || l.startsWith("Leaked") || l.startsWith("Can't get"))
                .collect(Collectors.toList());
        assertEquals(qemuLines, ours.messages(), "problem lines; " + context);
        Qemu.Result human = q.exec("qemu-img", "check", image.toString());
        assertEquals(human.out(), ours.summary(), "summary; " + context);
        return ours;
    }

    @ParameterizedTest
    @EnumSource(Qcow2ReadTest.Kind2.class)
    void cleanImagesAgree(Qcow2ReadTest.Kind2 kind) throws IOException {
        Qemu q = new Qemu(dir);
        Path image = Qcow2ReadTest.build(kind, q);
        Qcow2CheckReport ours = compare(q, image);
        assertTrue(ours.clean(), ours.messages().toString());
    }

    @Test
    void snapshotsAndBitmapsAreCounted() throws IOException {
        Qemu q = new Qemu(dir);
        q.run("qemu-img", "create", "-f", "qcow2", "img.qcow2", "4M");
        q.run("qemu-io", "-f", "qcow2", "-c", "write -P 1 0 200k", "img.qcow2");
        q.run("qemu-img", "snapshot", "-c", "one", "img.qcow2");
        q.run("qemu-io", "-f", "qcow2", "-c", "write -P 2 64k 64k", "-c", "write -P 3 1M 64k", "img.qcow2");
        q.run("qemu-img", "snapshot", "-c", "two", "img.qcow2");
        q.run("qemu-io", "-f", "qcow2", "-c", "write -z 0 64k", "img.qcow2");
        q.run("qemu-img", "bitmap", "--add", "img.qcow2", "b0");
        q.run("qemu-img", "bitmap", "--add", "-g", "512k", "img.qcow2", "b1");
        assertTrue(compare(q, dir.resolve("img.qcow2")).clean());
    }

    @Test
    void ourOwnImagesAreClean() throws IOException {
        Qemu q = new Qemu(dir);
        Qcow2Image.create(dir.resolve("a.qcow2"), 64L << 20, 3, null, null);
        Qcow2Image.create(dir.resolve("b.qcow2"), 1L << 30, 2, "a.qcow2", "qcow2", 512);
        Qcow2Image.create(dir.resolve("c.qcow2"), 0, 3, null, null, 2 << 20);
        for (String name : List.of("a.qcow2", "b.qcow2", "c.qcow2")) {
            assertTrue(compare(q, dir.resolve(name)).clean(), name);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Deliberate damage

    /** Where the tables of a small image with data are. */
    private static final class Layout {
        final long l1;
        final long refcountTable;
        final long firstBlock;
        final long l2;
        final int clusterSize;
        final long fileLength;

        Layout(Path image) throws IOException {
            try (ImageFile f = ImageFile.open(image, true)) {
                Qcow2Header h = Qcow2Header.read(f);
                l1 = h.l1TableOffset();
                refcountTable = h.refcountTableOffset();
                clusterSize = h.clusterSize();
                fileLength = f.length();
                firstBlock = readLong(f, refcountTable);
                l2 = readLong(f, l1) & Entries.OFFSET_MASK;
            }
        }

        private static long readLong(ImageFile f, long offset) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(8);
            f.readFully(offset, b);
            return b.getLong(0);
        }
    }

    private static long readLong(Path file, long offset) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.read(b, offset);
        }
        return b.getLong(0);
    }

    private static void poke(Path file, long offset, long value, int width) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(width);
        if (width == 8) {
            b.putLong(0, value);
        } else {
            b.putShort(0, (short) value);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(b, offset);
        }
    }

    /** An image with three data clusters (0, 64k, 128k), a zero cluster and a compressed cluster. */
    private Path damaged(Qemu q, String name) throws IOException {
        byte[] data = new byte[1 << 20];
        Arrays.fill(data, 512 * KIB, 576 * KIB, (byte) 0x5C);
        Fixtures.write(dir, name + ".raw", data);
        q.run("qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", name + ".raw", name);
        q.run("qemu-io", "-f", "qcow2", "-c", "write -P 1 0 192k", "-c", "write -z 256k 64k", name);
        return dir.resolve(name);
    }

    /** Damage to apply; each returns nothing and works on the layout of the image. */
    enum Damage {
        LEAKED_CLUSTER, REFCOUNT_TOO_HIGH, L2_TABLE_REFCOUNT_ZERO, CLUSTER_REFERENCED_TWICE, UNALIGNED_DATA_CLUSTER,
        L1_RESERVED_BITS, L2_RESERVED_BITS, COMPRESSED_WITH_COPIED_FLAG, UNALIGNED_REFCOUNT_BLOCK,
        REFCOUNT_BLOCK_OUTSIDE_IMAGE, REFCOUNT_BLOCK_SHARED, REFCOUNT_TABLE_RESERVED_BITS, L2_TABLE_PAST_END,
        DATA_CLUSTER_PAST_END, COPIED_FLAG_MISSING, WRONG_REFCOUNT_OF_HEADER
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void damagedImagesAgree(Damage damage) throws IOException {
        Qemu q = new Qemu(dir);
        Path image = damaged(q, "img.qcow2");
        Layout l = new Layout(image);
        long block = l.firstBlock;
        long entry0 = readLong(image, l.l2);
        switch (damage) {
            case LEAKED_CLUSTER: { // one more cluster at the end, counted but referenced by nobody
                long cluster = (l.fileLength + l.clusterSize - 1) / l.clusterSize;
                poke(image, block + 2 * cluster, 1, 2);
                try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.allocate(l.clusterSize), cluster * l.clusterSize);
                }
                break;
            }
            case REFCOUNT_TOO_HIGH:
                poke(image, block + 2 * ((entry0 & Entries.OFFSET_MASK) / l.clusterSize), 2, 2);
                break;
            case L2_TABLE_REFCOUNT_ZERO:
                poke(image, block + 2 * (l.l2 / l.clusterSize), 0, 2);
                break;
            case CLUSTER_REFERENCED_TWICE:
                poke(image, l.l2 + 8 * 5, entry0, 8);
                break;
            case UNALIGNED_DATA_CLUSTER:
                poke(image, l.l2 + 8, readLong(image, l.l2 + 8) | 0x200, 8);
                break;
            case L1_RESERVED_BITS:
                poke(image, l.l1, readLong(image, l.l1) | 0x2, 8);
                break;
            case L2_RESERVED_BITS:
                poke(image, l.l2 + 16, readLong(image, l.l2 + 16) | (1L << 57), 8);
                break;
            case COMPRESSED_WITH_COPIED_FLAG:
                poke(image, l.l2 + 8 * 8, readLong(image, l.l2 + 8 * 8) | Entries.COPIED, 8);
                break;
            case UNALIGNED_REFCOUNT_BLOCK:
                poke(image, l.refcountTable, block | 0x400, 8);
                break;
            case REFCOUNT_BLOCK_OUTSIDE_IMAGE:
                poke(image, l.refcountTable + 8, 1L << 40, 8);
                break;
            case REFCOUNT_BLOCK_SHARED:
                poke(image, l.refcountTable + 8, block, 8);
                break;
            case REFCOUNT_TABLE_RESERVED_BITS:
                poke(image, l.refcountTable, block | 0x1, 8);
                break;
            case L2_TABLE_PAST_END:
                poke(image, l.l1, Entries.COPIED | 1L << 30, 8);
                break;
            case DATA_CLUSTER_PAST_END:
                poke(image, l.l2 + 8, Entries.COPIED | 1L << 32, 8);
                break;
            case COPIED_FLAG_MISSING:
                poke(image, l.l2 + 16, readLong(image, l.l2 + 16) & ~Entries.COPIED, 8);
                break;
            case WRONG_REFCOUNT_OF_HEADER:
                poke(image, block, 3, 2);
                break;
            default:
                throw new AssertionError(damage);
        }
        Qcow2CheckReport ours = compare(q, image);
        assertTrue(!ours.clean(), damage + " must be found");
    }

    @Test
    void unopenableImagesAreRefused() throws IOException {
        Path img = dir.resolve("bad.qcow2");
        new Qemu(dir).run("qemu-img", "create", "-f", "qcow2", "bad.qcow2", "1M");
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).putInt(0, 31), 20);
        }
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Qcow2Checker.check(img));
        assertEquals(img + ": cluster_bits 31, expected 9 to 21", e.getMessage());
        assertTrue(new Qemu(dir).exec("qemu-img", "check", "bad.qcow2").exit() == 1, "qemu-img cannot open it"
                + " either");
        assertTrue(Files.exists(img));
    }
}
