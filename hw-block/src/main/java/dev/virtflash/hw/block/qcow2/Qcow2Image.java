package dev.virtflash.hw.block.qcow2;

import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Creates empty qcow2 images laid out as {@code qemu-img create -f qcow2} lays them out, byte for byte: the header
 * cluster (header, backing format extension, feature name table for version 3 with clusters over 4 KiB, backing file
 * name), one refcount table cluster,
 * refcount blocks, then the L1 table; 16-bit refcounts; every guest cluster unallocated.
 */
public final class Qcow2Image {

    /** The default cluster size, as qemu-img's: 64 KiB. */
    public static final int DEFAULT_CLUSTER_SIZE = 64 * 1024;
    private static final int REFCOUNT_ORDER = 4;
    /** Clusters of this size or smaller get no feature name table, as from qemu-img. */
    private static final int FEATURE_TABLE_MIN_CLUSTER = 4096;

    /** The feature name table qemu-img writes: type, bit, name. */
    private static final Object[][] FEATURE_NAMES = {
        {0, 0, "dirty bit"}, {0, 1, "corrupt bit"}, {0, 2, "external data file"}, {0, 3, "compression type"},
        {0, 4, "extended L2 entries"}, {1, 0, "lazy refcounts"}, {2, 0, "bitmaps"}, {2, 1, "raw external data"},
    };

    private Qcow2Image() {
    }

    /**
     * Creates (or replaces) {@code path} as an empty qcow2 image with 64 KiB clusters.
     *
     * @param size          virtual size in bytes, a multiple of 512
     * @param version       2 ({@code compat=0.10}) or 3 ({@code compat=1.1})
     * @param backingFile   the backing file name as it is to be stored (relative to the image's folder), or null
     * @param backingFormat the backing file's format ({@code raw}, {@code qcow2}), or null to leave it to probing
     */
    public static void create(Path path, long size, int version, String backingFile, String backingFormat)
            throws IOException {
        create(path, size, version, backingFile, backingFormat, DEFAULT_CLUSTER_SIZE);
    }

    /** As {@link #create(Path, long, int, String, String)}, with a cluster size from 512 bytes to 2 MiB. */
    public static void create(Path path, long size, int version, String backingFile, String backingFormat,
            int clusterSize) throws IOException {
        if (version != 2 && version != 3) {
            throw new ImageFormatException(path, "version " + version + ", expected 2 or 3");
        }
        int clusterBits = Integer.numberOfTrailingZeros(clusterSize);
        if (Integer.bitCount(clusterSize) != 1 || clusterBits < Qcow2Header.MIN_CLUSTER_BITS
                || clusterBits > Qcow2Header.MAX_CLUSTER_BITS) {
            throw new ImageFormatException(path, "cluster size " + clusterSize + ", expected a power of two from 512"
                    + " to 2097152");
        }
        long maxSize = Qcow2Header.maxVirtualSize(clusterBits);
        if (size < 0 || size % 512 != 0 || size > maxSize) {
            throw new ImageFormatException(path, "size " + size + ", expected a multiple of 512 from 0 to "
                    + maxSize);
        }
        byte[] backingName = backingFile == null ? new byte[0] : backingFile.getBytes(StandardCharsets.UTF_8);
        byte[] formatName = backingFormat == null ? new byte[0] : backingFormat.getBytes(StandardCharsets.UTF_8);
        if (backingFile == null && backingFormat != null) {
            throw new ImageFormatException(path, "backing format '" + backingFormat + "' without a backing file");
        }
        if (backingFile != null && (backingName.length == 0 || backingName.length > Qcow2Header.MAX_BACKING_NAME)) {
            throw new ImageFormatException(path, "backing file name of " + backingName.length + " bytes, expected 1"
                    + " to " + Qcow2Header.MAX_BACKING_NAME);
        }
        if (formatName.length > Qcow2Header.MAX_BACKING_FORMAT) {
            throw new ImageFormatException(path, "backing format name of " + formatName.length + " bytes, expected"
                    + " at most " + Qcow2Header.MAX_BACKING_FORMAT);
        }
        ByteBuffer headerCluster = headerCluster(path, size, version, clusterBits, backingName, formatName);

        long l1Entries = Qcow2Header.l1EntriesFor(size, clusterBits);
        long l1Bytes = l1Entries * 8;
        long l1Clusters = (l1Bytes + clusterSize - 1) >>> clusterBits;
        long blockEntries = 1L << (clusterBits + 3 - REFCOUNT_ORDER);
        long tableClusters = 1;
        long blocks = 1;
        for (;;) {
            long used = 1 + tableClusters + blocks + Math.max(1, l1Clusters);
            long needBlocks = (used + blockEntries - 1) / blockEntries;
            long needTable = (needBlocks * 8 + clusterSize - 1) >>> clusterBits;
            if (needBlocks <= blocks && needTable <= tableClusters) {
                break;
            }
            blocks = Math.max(blocks, needBlocks);
            tableClusters = Math.max(tableClusters, needTable);
        }
        long tableOffset = (long) clusterSize;
        long blocksOffset = tableOffset + (tableClusters << clusterBits);
        long l1Offset = blocksOffset + (blocks << clusterBits);
        long usedClusters = 1 + tableClusters + blocks + l1Clusters;
        headerCluster.putInt(Qcow2Header.OFF_L1_SIZE, (int) l1Entries);
        // an empty L1 table has no place, as qemu-img writes it (offset 0)
        headerCluster.putLong(Qcow2Header.OFF_L1_TABLE_OFFSET, l1Entries == 0 ? 0 : l1Offset);
        headerCluster.putLong(Qcow2Header.OFF_REFCOUNT_TABLE_OFFSET, tableOffset);
        headerCluster.putInt(Qcow2Header.OFF_REFCOUNT_TABLE_CLUSTERS, (int) tableClusters);

        ByteBuffer table = ByteBuffer.allocate((int) (tableClusters << clusterBits));
        for (int b = 0; b < blocks; b++) {
            table.putLong(b * 8, blocksOffset + ((long) b << clusterBits));
        }
        ByteBuffer refcounts = ByteBuffer.allocate((int) (blocks << clusterBits));
        for (int c = 0; c < usedClusters; c++) {
            refcounts.putShort(c * 2, (short) 1);
        }

        try (FileChannel created = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            // only makes sure the file exists; the lock below guards the contents
        }
        try (ImageFile file = ImageFile.open(path, false)) {
            file.setLength(0);
            file.writeFully(0, headerCluster.clear());
            file.writeFully(tableOffset, table.clear());
            file.writeFully(blocksOffset, refcounts.clear());
            file.writeFully(l1Offset, ByteBuffer.allocate((int) Math.max(l1Bytes, 0)));
            file.setLength(l1Offset + l1Bytes);
            file.flush();
        }
    }

    private static ByteBuffer headerCluster(Path path, long size, int version, int clusterBits, byte[] backingName,
            byte[] formatName) throws ImageFormatException {
        int clusterSize = 1 << clusterBits;
        ByteBuffer h = ByteBuffer.allocate(clusterSize);
        h.putInt(Qcow2Header.OFF_MAGIC, Qcow2Backend.MAGIC);
        h.putInt(Qcow2Header.OFF_VERSION, version);
        h.putInt(Qcow2Header.OFF_CLUSTER_BITS, clusterBits);
        h.putLong(Qcow2Header.OFF_SIZE, size);
        int at = Qcow2Header.V2_HEADER_LENGTH;
        if (version == 3) {
            h.putInt(Qcow2Header.OFF_REFCOUNT_ORDER, REFCOUNT_ORDER);
            h.putInt(Qcow2Header.OFF_HEADER_LENGTH, Qcow2Header.V3_HEADER_LENGTH);
            at = Qcow2Header.V3_HEADER_LENGTH;
        }
        // qemu-img (7.2) writes the feature name table only with clusters larger than 4 KiB
        boolean featureTable = version == 3 && clusterSize > FEATURE_TABLE_MIN_CLUSTER;
        int need = at + (formatName.length > 0 ? 8 + pad8(formatName.length) : 0)
                + (featureTable ? 8 + FEATURE_NAMES.length * Qcow2Header.FEATURE_ENTRY_BYTES : 0) + 8
                + backingName.length;
        if (need > clusterSize) {
            throw new ImageFormatException(path, "header, extensions and backing file name need " + need
                    + " bytes, expected at most the cluster size " + clusterSize);
        }
        if (formatName.length > 0) {
            h.putInt(at, Qcow2Header.EXT_BACKING_FORMAT).putInt(at + 4, formatName.length);
            h.put(at + 8, formatName);
            at += 8 + pad8(formatName.length);
        }
        if (featureTable) {
            h.putInt(at, Qcow2Header.EXT_FEATURE_TABLE)
                    .putInt(at + 4, FEATURE_NAMES.length * Qcow2Header.FEATURE_ENTRY_BYTES);
            at += 8;
            for (Object[] feature : FEATURE_NAMES) {
                h.put(at, (byte) (int) (Integer) feature[0]).put(at + 1, (byte) (int) (Integer) feature[1]);
                h.put(at + 2, ((String) feature[2]).getBytes(StandardCharsets.US_ASCII));
                at += Qcow2Header.FEATURE_ENTRY_BYTES;
            }
        }
        at += 8; // end of extensions (zeros)
        if (backingName.length > 0) {
            h.putLong(Qcow2Header.OFF_BACKING_FILE_OFFSET, at);
            h.putInt(Qcow2Header.OFF_BACKING_FILE_SIZE, backingName.length);
            h.put(at, backingName);
        }
        return h;
    }

    private static int pad8(int n) {
        return (n + 7) & ~7;
    }
}
