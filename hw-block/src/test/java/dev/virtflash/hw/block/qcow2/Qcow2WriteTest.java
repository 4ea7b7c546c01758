package dev.virtflash.hw.block.qcow2;

import static dev.virtflash.hw.block.qcow2.Fixtures.KIB;
import static dev.virtflash.hw.block.qcow2.Fixtures.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.BlockStatus;
import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.image.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Writing: after a random sequence of our writes (fixed seeds; data, zeros, partial clusters, over backing files, over
 * compressed and zero clusters), {@code qemu-img check} finds no error and no leak, {@code qemu-img convert -O raw}
 * equals our model of the contents, and so does our own checker and a fresh read.
 */
class Qcow2WriteTest {

    private static final int OPERATIONS = 150;

    @TempDir
    Path dir;

    /** Images written to. */
    enum Base {
        V2(Qcow2ReadTest.Kind2.V2), V3(Qcow2ReadTest.Kind2.V3), V3_512_BYTE_CLUSTERS(
                Qcow2ReadTest.Kind2.V3_512_BYTE_CLUSTERS), V3_2M_CLUSTERS(Qcow2ReadTest.Kind2.V3_2M_CLUSTERS),
        V3_REFCOUNT_BITS_1(Qcow2ReadTest.Kind2.V3_REFCOUNT_BITS_1), ZERO_CLUSTERS(Qcow2ReadTest.Kind2.ZERO_CLUSTERS),
        OVERLAY_ON_RAW(Qcow2ReadTest.Kind2.OVERLAY_ON_RAW), OVERLAY_ON_QCOW2(Qcow2ReadTest.Kind2.OVERLAY_ON_QCOW2),
        CHAIN_OF_THREE(Qcow2ReadTest.Kind2.CHAIN_OF_THREE), COMPRESSED(Qcow2ReadTest.Kind2.COMPRESSED),
        PREALLOCATED_METADATA(Qcow2ReadTest.Kind2.PREALLOCATED_METADATA), V2_OVERLAY(Qcow2ReadTest.Kind2.V2_OVERLAY),
        /** 64-bit refcounts in 512-byte blocks cover only 32 KiB each: the refcount table must grow. */
        REFCOUNT_TABLE_GROWTH(null),
        /** Our own empty images. */
        CREATED_V3_4K(null), CREATED_V2(null);

        final Qcow2ReadTest.Kind2 kind;

        Base(Qcow2ReadTest.Kind2 kind) {
            this.kind = kind;
        }
    }

    private static Path build(Base base, Qemu q) throws IOException {
        if (base.kind != null) {
            return Qcow2ReadTest.build(base.kind, q);
        }
        Path image = q.dir().resolve("img.qcow2");
        switch (base) {
            case REFCOUNT_TABLE_GROWTH:
                q.run("qemu-img", "create", "-f", "qcow2", "-o", "cluster_size=512,refcount_bits=64", "img.qcow2",
                        "4M");
                break;
            case CREATED_V3_4K:
                Qcow2Image.create(image, 4 * MIB, 3, null, null, 4096);
                break;
            case CREATED_V2:
                Qcow2Image.create(image, 4 * MIB, 2, null, null);
                break;
            default:
                throw new AssertionError(base);
        }
        return image;
    }

    @ParameterizedTest
    @EnumSource(Base.class)
    void randomWritesKeepTheImageConsistent(Base base) throws IOException {
        Qemu q = new Qemu(dir);
        Path image = build(base, q);
        byte[] model = q.contents(image);
        Random random = new Random(1000 + base.ordinal());
        StringBuilder ops = new StringBuilder();
        try (BlockBackend b = Images.open(image, null, false)) {
            int cluster = ((Qcow2Backend) b).header().clusterSize();
            if (base == Base.REFCOUNT_TABLE_GROWTH) {
                byte[] data = new byte[3 * MIB];
                random.nextBytes(data);
                ops.append("write 0 ").append(data.length).append('\n');
                b.write(0, ByteBuffer.wrap(data));
                System.arraycopy(data, 0, model, 0, data.length);
            }
            for (int i = 0; i < OPERATIONS; i++) {
                apply(b, model, random, cluster, ops);
                if (i % 25 == 24) {
                    assertReads(b, model, random, ops);
                    b.flush();
                }
            }
        }
        String context = "made by:\n" + q.log() + "\noperations:\n" + ops;
        if (base == Base.REFCOUNT_TABLE_GROWTH) {
            try (ImageFile f = ImageFile.open(image, true)) {
                Qcow2Header h = Qcow2Header.read(f);
                assertTrue(h.refcountTableClusters() > 1, "the refcount table grew: " + h.refcountTableClusters());
            }
        }
        Qemu.Check check = q.check(image);
        assertEquals(0, check.exit(), "qemu-img check: " + check + "\n" + context);
        assertArrayEquals(model, q.contents(image), "qemu-img convert differs from the model; " + context);
        Qcow2CheckReport ours = Qcow2Checker.check(image);
        assertTrue(ours.clean(), ours.messages() + "\n" + context);
        assertEquals(check.imageEndOffset(), ours.imageEndOffset(), "image end offset");
        assertEquals(check.allocatedClusters(), ours.allocatedClusters(), "allocated clusters");
        assertEquals(check.fragmentedClusters(), ours.fragmentedClusters(), "fragmented clusters");
        assertEquals(check.compressedClusters(), ours.compressedClusters(), "compressed clusters");
        try (BlockBackend b = Images.open(image, null, true)) {
            byte[] actual = new byte[model.length];
            b.read(0, ByteBuffer.wrap(actual));
            assertArrayEquals(model, actual, "reopened image differs from the model; " + context);
            Qcow2ReadTest.assertStatusNeverHidesData(b, model, q);
        }
    }

    /** One random operation, applied to the image and to the model. */
    private static void apply(BlockBackend b, byte[] model, Random random, int cluster, StringBuilder ops)
            throws IOException {
        int size = model.length;
        int choice = random.nextInt(10);
        if (choice <= 3 || choice == 8 || choice == 9) {
            int length;
            int offset;
            if (choice == 9) { // a whole aligned cluster
                offset = random.nextInt(size / cluster) * cluster;
                length = Math.min(cluster, size - offset);
            } else {
                offset = random.nextInt(size);
                int max = choice == 3 ? 600 : choice == 2 ? 200 * KIB : Math.min(3 * cluster, 200 * KIB);
                length = 1 + random.nextInt(max);
                length = Math.min(length, size - offset);
            }
            byte[] data = new byte[length];
            if (choice != 8) { // 8: zeros written as data
                random.nextBytes(data);
            }
            ops.append("write ").append(offset).append(' ').append(length).append(choice == 8 ? " zeros\n" : "\n");
            b.write(offset, ByteBuffer.wrap(data));
            System.arraycopy(data, 0, model, offset, length);
        } else {
            int offset;
            int length;
            if (choice == 7) { // whole clusters
                offset = random.nextInt(size / cluster) * cluster;
                length = Math.min((1 + random.nextInt(3)) * cluster, size - offset);
            } else {
                offset = random.nextInt(size / 512) * 512;
                length = Math.min((1 + random.nextInt(Math.max(1, 3 * cluster / 512))) * 512, size - offset);
            }
            ops.append("zeroes ").append(offset).append(' ').append(length).append('\n');
            b.writeZeroes(offset, length);
            Arrays.fill(model, offset, offset + length, (byte) 0);
        }
    }

    private static void assertReads(BlockBackend b, byte[] model, Random random, StringBuilder ops)
            throws IOException {
        for (int i = 0; i < 8; i++) {
            int offset = random.nextInt(model.length);
            int length = Math.min(model.length - offset, 1 + random.nextInt(300 * KIB));
            byte[] actual = new byte[length];
            b.read(offset, ByteBuffer.wrap(actual));
            if (!Arrays.equals(actual, 0, length, model, offset, offset + length)) {
                throw new AssertionError("read of " + length + " at " + offset + " differs from the model after:\n"
                        + ops);
            }
        }
    }

    @Test
    void zeroedWholeClustersBecomeZeroClustersAndGiveTheSpaceBack() throws IOException {
        Qemu q = new Qemu(dir);
        Path image = dir.resolve("img.qcow2");
        q.run("qemu-img", "create", "-f", "qcow2", "img.qcow2", "64M");
        long start;
        try (ImageFile f = ImageFile.open(image, true)) {
            start = f.allocatedBytes();
        }
        byte[] data = new byte[MIB];
        new Random(7).nextBytes(data);
        try (BlockBackend b = Images.open(image, null, false)) {
            b.write(8 * MIB, ByteBuffer.wrap(data));
            b.flush();
        }
        long written;
        try (ImageFile f = ImageFile.open(image, true)) {
            written = f.allocatedBytes();
        }
        assertTrue(written >= start + MIB, "data took space: " + start + " -> " + written);
        try (BlockBackend b = Images.open(image, null, false)) {
            b.writeZeroes(8 * MIB, MIB);
            assertEquals(new BlockStatus(8 * MIB, MIB, BlockStatus.Kind.ZERO), b.status(8 * MIB, MIB));
        }
        long after;
        try (ImageFile f = ImageFile.open(image, true)) {
            after = f.allocatedBytes();
        }
        assertTrue(after <= start + 64 * KIB, "only the new L2 table stays allocated: " + start + " -> " + written
                + " -> " + after);
        String map = q.run("qemu-img", "map", "--output=json", "img.qcow2");
        assertTrue(map.contains("{ \"start\": 8388608, \"length\": 1048576, \"depth\": 0, \"present\": true,"
                + " \"zero\": true, \"data\": false}"), "zero clusters in the map:\n" + map);
        assertEquals(0, q.check(image).exit());
        assertEquals(0, q.contents(image)[8 * MIB]);
    }

    @Test
    void version2WithoutBackingDeallocatesZeroedClusters() throws IOException {
        Qemu q = new Qemu(dir);
        Path image = dir.resolve("img.qcow2");
        q.run("qemu-img", "create", "-f", "qcow2", "-o", "compat=0.10", "img.qcow2", "4M");
        try (BlockBackend b = Images.open(image, null, false)) {
            byte[] data = new byte[256 * KIB];
            Arrays.fill(data, (byte) 9);
            b.write(0, ByteBuffer.wrap(data));
            b.writeZeroes(64 * KIB, 128 * KIB);
            assertEquals(BlockStatus.Kind.ZERO, b.status(64 * KIB, 128 * KIB).kind());
        }
        String map = q.run("qemu-img", "map", "--output=json", "img.qcow2");
        assertTrue(map.contains("{ \"start\": 65536, \"length\": 131072, \"depth\": 0, \"present\": false,"
                + " \"zero\": true, \"data\": false}"), "unallocated again:\n" + map);
        assertEquals(0, q.check(image).exit());
    }

    @Test
    void readOnlyImagesRefuseWrites() throws IOException {
        Qemu q = new Qemu(dir);
        q.run("qemu-img", "create", "-f", "qcow2", "img.qcow2", "1M");
        try (BlockBackend b = Images.open(dir.resolve("img.qcow2"), null, true)) {
            assertThrows(IOException.class, () -> b.write(0, ByteBuffer.allocate(1)));
            assertThrows(IOException.class, () -> b.writeZeroes(0, 512));
            assertThrows(IllegalArgumentException.class, () -> b.read(MIB - 1, ByteBuffer.allocate(2)));
        }
        try (BlockBackend b = Images.open(dir.resolve("img.qcow2"), null, false)) {
            assertThrows(IllegalArgumentException.class, () -> b.writeZeroes(100, 512));
        }
        assertTrue(Files.size(dir.resolve("img.qcow2")) > 0);
    }
}
