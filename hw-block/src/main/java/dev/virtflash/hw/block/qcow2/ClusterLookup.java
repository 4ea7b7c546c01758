package dev.virtflash.hw.block.qcow2;

import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a qcow2 image's guest clusters are: the L1 table, the L2 tables (a small LRU), the checks QEMU makes on an
 * entry before using it, and runs of guest bytes with one source. Shared by {@link Qcow2Backend}'s read path and
 * {@link Qcow2Writer}, which changes the tables through {@link #l1} and {@link #l2TableAt} and reports the file's
 * growth with {@link #grew}.
 */
final class ClusterLookup {

    private final ImageFile file;
    private final Qcow2Header header;
    /** The L1 table as in the file; the writer updates entries in place. */
    final long[] l1;
    final ClusterCache<long[]> l2Cache;
    private final int clusterBits;
    private final int clusterSize;
    private final int l2Bits;
    private long fileLength;

    ClusterLookup(ImageFile file, Qcow2Header header, long[] l1) throws IOException {
        this.file = file;
        this.header = header;
        this.l1 = l1;
        this.clusterBits = header.clusterBits();
        this.clusterSize = header.clusterSize();
        this.l2Bits = clusterBits - 3;
        this.l2Cache = new ClusterCache<>(clusterBits);
        this.fileLength = file.length();
    }

    /** The host file's length as last seen (at open, or after a write past it). */
    long fileLength() {
        return fileLength;
    }

    /** A write reached {@code end} of the host file. */
    void grew(long end) {
        fileLength = Math.max(fileLength, end);
    }

    /** A one-line error for a corrupt image, naming the file. */
    ImageFormatException corrupt(String problem) {
        return new ImageFormatException(file.path(), problem + " (the image is corrupt; check it with qemu-img"
                + " check)");
    }

    /** Where the bytes of a run of guest clusters come from. */
    enum Source {
        /** Host clusters, contiguous in the file. */
        DATA,
        /** Zero clusters without a host cluster. */
        ZERO,
        /** Zero clusters that keep a host cluster (preallocated), contiguous in the file. */
        ZERO_ALLOC,
        /** Unallocated: the backing chain, or zeros without one. */
        UNALLOCATED,
        /** One compressed cluster. */
        COMPRESSED
    }

    /** A run of guest bytes with one source, within one L2 table (or a stretch of absent L2 tables). */
    static final class Run {
        final Source source;
        final long length;
        /** For DATA and ZERO_ALLOC: the host offset of the run's first byte; otherwise 0. */
        final long host;
        /** For COMPRESSED: the L2 entry. */
        final long entry;

        Run(Source source, long length, long host, long entry) {
            this.source = source;
            this.length = length;
            this.host = host;
            this.entry = entry;
        }
    }

    /** The L2 table an L1 entry points to, or {@code null} when it points nowhere. */
    long[] l2Table(int l1Index) throws IOException {
        long offset = l1[l1Index] & Entries.OFFSET_MASK;
        if (offset == 0) {
            return null;
        }
        if ((offset & (clusterSize - 1)) != 0) {
            throw corrupt(String.format("L1 entry %d: L2 table offset 0x%x is not cluster aligned", l1Index,
                    offset));
        }
        return l2TableAt(offset);
    }

    long[] l2TableAt(long offset) throws IOException {
        long[] table = l2Cache.get(offset);
        if (table == null) {
            if (offset >= fileLength) {
                throw corrupt(String.format("L2 table at 0x%x lies past the end of the file (%d bytes)", offset,
                        fileLength));
            }
            ByteBuffer buf = ByteBuffer.allocate(clusterSize);
            file.readFully(offset, buf);
            table = new long[1 << l2Bits];
            buf.flip();
            buf.asLongBuffer().get(table);
            l2Cache.put(offset, table);
        }
        return table;
    }

    /** The type of an L2 entry, after the checks QEMU makes before using it. */
    Entries.Type classify(long entry, long guestOffset) throws ImageFormatException {
        Entries.Type type = Entries.type(entry);
        switch (type) {
            case ZERO_PLAIN:
            case ZERO_ALLOC:
                if (header.version() < 3) {
                    throw corrupt(String.format("zero cluster flag in a version 2 image (guest offset 0x%x)",
                            guestOffset));
                }
                if (type == Entries.Type.ZERO_PLAIN) {
                    break;
                }
                // fall through: a preallocated zero cluster must be aligned too
            case NORMAL:
                if (((entry & Entries.OFFSET_MASK) & (clusterSize - 1)) != 0) {
                    throw corrupt(String.format("host offset 0x%x of guest offset 0x%x is not cluster aligned",
                            entry & Entries.OFFSET_MASK, guestOffset));
                }
                break;
            default:
                break;
        }
        return type;
    }

    /** The run starting at {@code offset}, at most {@code max} bytes long. */
    Run lookup(long offset, long max) throws IOException {
        long cluster = offset >>> clusterBits;
        long inCluster = offset & (clusterSize - 1);
        int l1Index = (int) (cluster >>> l2Bits);
        int l2Index = (int) (cluster & ((1L << l2Bits) - 1));
        long[] table = l2Table(l1Index);
        if (table == null) {
            long end = (long) (l1Index + 1) << (l2Bits + clusterBits);
            for (int i = l1Index + 1; i < l1.length && end - offset < max
                    && (l1[i] & Entries.OFFSET_MASK) == 0; i++) {
                end += 1L << (l2Bits + clusterBits);
            }
            return new Run(Source.UNALLOCATED, Math.min(end - offset, max), 0, 0);
        }
        long entry = table[l2Index];
        Entries.Type type = classify(entry, offset);
        long host = entry & Entries.OFFSET_MASK;
        long length = clusterSize - inCluster;
        Source source = source(type);
        if (source == Source.COMPRESSED) {
            return new Run(source, Math.min(length, max), 0, entry);
        }
        for (int i = l2Index + 1; i < table.length && length < max; i++) {
            long next = table[i];
            Entries.Type nextType = classify(next, (cluster + i - l2Index) << clusterBits);
            boolean hosted = source == Source.DATA || source == Source.ZERO_ALLOC;
            if (source(nextType) != source
                    || hosted && (next & Entries.OFFSET_MASK) != host + ((long) (i - l2Index) << clusterBits)) {
                break;
            }
            length += clusterSize;
        }
        boolean hosted = source == Source.DATA || source == Source.ZERO_ALLOC;
        return new Run(source, Math.min(length, max), hosted ? host + inCluster : 0, entry);
    }

    static Source source(Entries.Type type) {
        switch (type) {
            case NORMAL:
                return Source.DATA;
            case ZERO_PLAIN:
                return Source.ZERO;
            case ZERO_ALLOC:
                return Source.ZERO_ALLOC;
            case COMPRESSED:
                return Source.COMPRESSED;
            default:
                return Source.UNALLOCATED;
        }
    }
}
