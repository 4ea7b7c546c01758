package dev.virtflash.hw.block.qcow2;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The write path of a writable {@link Qcow2Backend}: guest writes and zeroing, copy-on-write of partly written
 * clusters, and the allocation of data clusters and L2 tables through {@link Refcounts}, in QEMU's order (cluster
 * contents, then refcounts, then the L2 entry, then the L1 entry), so a process killed in between leaves at worst a
 * leaked cluster. The backend checks the request (open, in range, aligned, writable) before calling.
 */
final class Qcow2Writer {

    /** Zero detection works in 512-byte units, as QEMU's request alignment. */
    private static final long SECTOR = 512;

    /** What the writer needs from the read path: current cluster contents for copy-on-write. */
    interface Reads {
        /** The inflated bytes of the compressed cluster {@code entry} at {@code guestOffset}. */
        byte[] decompress(long entry, long guestOffset) throws IOException;

        /** Reads the backing chain at {@code offset} into {@code dst}. */
        void readBacking(long offset, ByteBuffer dst) throws IOException;

        /** Compressed cluster {@code entry} was released: drop it if cached. */
        void forgetCompressed(long entry);
    }

    private final ImageFile file;
    private final Qcow2Header header;
    private final ClusterLookup lookup;
    private final Reads reads;
    private final MetadataGuard guard;
    private final Refcounts refcounts;
    private final BlockBackend backing;
    private final long backingSize;
    private final long size;
    private final int clusterBits;
    private final int clusterSize;
    private final int l2Bits;

    Qcow2Writer(ImageFile file, Qcow2Header header, ClusterLookup lookup, Reads reads, MetadataGuard guard,
                Refcounts refcounts, BlockBackend backing, long backingSize) {
        this.file = file;
        this.header = header;
        this.lookup = lookup;
        this.reads = reads;
        this.guard = guard;
        this.refcounts = refcounts;
        this.backing = backing;
        this.backingSize = backingSize;
        this.size = header.virtualSize();
        this.clusterBits = header.clusterBits();
        this.clusterSize = header.clusterSize();
        this.l2Bits = clusterBits - 3;
    }

    /** Writes {@code src} at guest {@code offset} (checked by the backend). */
    void write(long offset, ByteBuffer src) throws IOException {
        long at = offset;
        while (src.hasRemaining()) {
            int inCluster = (int) (at & (clusterSize - 1));
            int n = (int) Math.min(src.remaining(), clusterSize - inCluster);
            ByteBuffer part = src.slice();
            part.limit(n);
            writeCluster(at >>> clusterBits, inCluster, part);
            src.position(src.position() + n);
            at += n;
        }
    }

    /** Makes guest {@code [offset, offset + length)} read as zero (sector-aligned, checked by the backend). */
    void writeZeroes(long offset, long length) throws IOException {
        long at = offset;
        long end = offset + length;
        while (at < end) {
            long cluster = at >>> clusterBits;
            long clusterStart = cluster << clusterBits;
            long clusterEnd = Math.min(clusterStart + clusterSize, size);
            long n = Math.min(clusterEnd, end) - at;
            if (at == clusterStart && n == clusterEnd - clusterStart) {
                zeroCluster(cluster);
            } else if (!readsAsZero(cluster)) {
                writeCluster(cluster, (int) (at - clusterStart), ByteBuffer.allocate((int) n));
            }
            at += n;
        }
    }

    /** The L2 entry of a guest cluster, 0 when its L2 table is absent. */
    private long entryOf(long cluster) throws IOException {
        long[] table = lookup.l2Table((int) (cluster >>> l2Bits));
        return table == null ? 0 : table[(int) (cluster & ((1L << l2Bits) - 1))];
    }

    /** Whether a guest cluster reads as zero without looking at data. */
    private boolean readsAsZero(long cluster) throws IOException {
        long entry = entryOf(cluster);
        switch (lookup.classify(entry, cluster << clusterBits)) {
            case ZERO_PLAIN:
            case ZERO_ALLOC:
                return true;
            case UNALLOCATED:
                return backing == null || cluster << clusterBits >= backingSize;
            default:
                return false;
        }
    }

    /** Writes {@code data} at {@code inCluster} of guest cluster {@code cluster}. */
    private void writeCluster(long cluster, int inCluster, ByteBuffer data) throws IOException {
        long guestOffset = cluster << clusterBits;
        int l1Index = (int) (cluster >>> l2Bits);
        int l2Index = (int) (cluster & ((1L << l2Bits) - 1));
        long l2Offset = writableL2(l1Index);
        long entry = lookup.l2TableAt(l2Offset)[l2Index];
        Entries.Type type = lookup.classify(entry, guestOffset);
        long host = entry & Entries.OFFSET_MASK;
        boolean owned = (entry & Entries.COPIED) != 0;
        if ((type == Entries.Type.NORMAL || type == Entries.Type.ZERO_ALLOC) && owned && host >= lookup.fileLength()) {
            throw lookup.corrupt(String.format("host cluster 0x%x of guest offset 0x%x lies past the end of the file (%d"
                    + " bytes)", host, guestOffset, lookup.fileLength()));
        }
        if (type == Entries.Type.NORMAL && owned) {
            guard.checkWrite(host + inCluster, data.remaining(), "guest data");
            writeFile(host + inCluster, data);
            return;
        }
        long visible = Math.min(clusterSize, size - guestOffset);
        ByteBuffer contents = ByteBuffer.allocate(clusterSize);
        if (inCluster != 0 || data.remaining() < visible) {
            fillCluster(cluster, entry, type, contents);
        }
        contents.position(inCluster);
        contents.put(data);
        contents.clear();
        if (type == Entries.Type.ZERO_ALLOC && owned) {
            // Our own preallocated cluster: fill it in place and drop the zero flag.
            guard.checkWrite(host, clusterSize, "guest data");
            writeFile(host, contents);
            setL2Entry(l2Offset, l2Index, host | Entries.COPIED);
            return;
        }
        long fresh = refcounts.reserve(1) << clusterBits;
        guard.checkWrite(fresh, clusterSize, "guest data");
        writeFile(fresh, contents);
        refcounts.commit(fresh >>> clusterBits, 1);
        setL2Entry(l2Offset, l2Index, fresh | Entries.COPIED);
        releaseClusters(entry, type);
    }

    /** Fills {@code dst} (one cluster) with the current contents of a guest cluster, for copy-on-write. */
    private void fillCluster(long cluster, long entry, Entries.Type type, ByteBuffer dst) throws IOException {
        long guestOffset = cluster << clusterBits;
        int visible = (int) Math.min(clusterSize, size - guestOffset);
        ByteBuffer part = dst.duplicate();
        part.limit(visible);
        switch (type) {
            case NORMAL:
                file.readFully(entry & Entries.OFFSET_MASK, part);
                break;
            case COMPRESSED:
                part.put(reads.decompress(entry, guestOffset), 0, visible);
                break;
            case UNALLOCATED:
                if (backing != null) {
                    reads.readBacking(guestOffset, part);
                }
                break;
            default:
                break; // zero clusters: the buffer is already zero
        }
    }

    /** Makes a whole guest cluster read as zero. */
    private void zeroCluster(long cluster) throws IOException {
        long guestOffset = cluster << clusterBits;
        long entry = entryOf(cluster);
        Entries.Type type = lookup.classify(entry, guestOffset);
        boolean backingBelow = backing != null && guestOffset < backingSize;
        if (type == Entries.Type.ZERO_PLAIN || type == Entries.Type.UNALLOCATED && !backingBelow) {
            return;
        }
        int l1Index = (int) (cluster >>> l2Bits);
        int l2Index = (int) (cluster & ((1L << l2Bits) - 1));
        if (header.version() >= 3) {
            long l2Offset = writableL2(l1Index);
            setL2Entry(l2Offset, l2Index, Entries.ZERO);
            releaseClusters(entry, type);
        } else if (!backingBelow) {
            long l2Offset = writableL2(l1Index);
            setL2Entry(l2Offset, l2Index, 0);
            releaseClusters(entry, type);
        } else {
            int visible = (int) Math.min(clusterSize, size - guestOffset);
            writeCluster(cluster, 0, ByteBuffer.allocate(visible));
        }
    }

    /** Drops the references an L2 entry held, once nothing points to them any more. */
    private void releaseClusters(long entry, Entries.Type type) throws IOException {
        switch (type) {
            case NORMAL:
            case ZERO_ALLOC:
                refcounts.release((entry & Entries.OFFSET_MASK) >>> clusterBits);
                break;
            case COMPRESSED: {
                long start = Entries.compressedOffset(entry, clusterBits) & ~(SECTOR - 1);
                long end = start + Entries.compressedSectors(entry, clusterBits) * SECTOR;
                for (long c = start >>> clusterBits; c <= (end - 1) >>> clusterBits; c++) {
                    refcounts.release(c);
                }
                reads.forgetCompressed(entry);
                break;
            }
            default:
                break;
        }
    }

    /** The L2 table for {@code l1Index}, allocated if absent; refuses tables shared with a snapshot. */
    private long writableL2(int l1Index) throws IOException {
        long entry = lookup.l1[l1Index];
        long offset = entry & Entries.OFFSET_MASK;
        if (offset != 0) {
            lookup.l2Table(l1Index); // validates alignment and position
            if ((entry & Entries.COPIED) != 0) {
                return offset;
            }
            long refcount = refcounts.get(offset >>> clusterBits);
            if (refcount != 1) {
                throw new ImageFormatException(file.path(), String.format("L2 table at 0x%x has refcount %s,"
                        + " expected 1: writing tables shared with snapshots is not supported", offset,
                        Long.toUnsignedString(refcount)));
            }
            setL1Entry(l1Index, offset | Entries.COPIED);
            return offset;
        }
        long fresh = refcounts.reserve(1) << clusterBits;
        guard.checkWrite(fresh, clusterSize, "an L2 table");
        writeFile(fresh, ByteBuffer.allocate(clusterSize));
        refcounts.commit(fresh >>> clusterBits, 1);
        guard.addL2(fresh >>> clusterBits);
        lookup.l2Cache.put(fresh, new long[1 << l2Bits]);
        setL1Entry(l1Index, fresh | Entries.COPIED);
        return fresh;
    }

    private void setL2Entry(long l2Offset, int index, long value) throws IOException {
        lookup.l2TableAt(l2Offset)[index] = value;
        writeFile(l2Offset + 8L * index, ByteBuffer.allocate(8).putLong(0, value));
    }

    private void setL1Entry(int index, long value) throws IOException {
        lookup.l1[index] = value;
        writeFile(header.l1TableOffset() + 8L * index, ByteBuffer.allocate(8).putLong(0, value));
    }

    private void writeFile(long offset, ByteBuffer src) throws IOException {
        long end = offset + src.remaining();
        file.writeFully(offset, src);
        lookup.grew(end);
    }
}
