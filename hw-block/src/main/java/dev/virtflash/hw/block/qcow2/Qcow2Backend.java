package dev.virtflash.hw.block.qcow2;

import dev.virtflash.hw.block.BackingOpener;
import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.BlockStatus;
import dev.virtflash.hw.block.FileIdentity;
import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import dev.virtflash.hw.block.Mapping;
import dev.virtflash.hw.block.qcow2.ClusterLookup.Run;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.Inflater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A qcow2 image (versions 2 and 3) seen as its guest-visible contents.
 *
 * <p>Size: about 530 lines, over the project's 400, on purpose: what is left here is one view of the image through
 * one lookup (open and close, reads, block status, and the {@code qemu-img map}/{@code info} answers), and those
 * share the same few private helpers; the tables live in {@link ClusterLookup} and the write path with its
 * allocation in {@link Qcow2Writer}.
 *
 * <p>Not supported (refused at open with a one-line error naming the feature): encryption, extended L2 entries
 * (subclusters), external data files, compression other than deflate, unknown incompatible feature bits, a dirty
 * image (lazy refcounts not repaired); for writing also images marked corrupt, internal snapshots and persistent
 * dirty bitmaps. Not done: writing compressed clusters, resizing, discard of partial clusters, lazy refcounts,
 * internal snapshot operations. Not thread-safe: one machine drives one backend.
 *
 * <p>Reads go through the format: L1 and L2 tables (a small LRU of L2 tables), zero clusters, compressed clusters
 * (raw deflate), and unallocated clusters from the backing chain (raw or qcow2, bytes past its end read as zero) or as
 * zero without one. An L1 table too small for the virtual size is refused at open, as QEMU refuses it, so writes never
 * need to grow it.
 *
 * <p>{@link #status} follows the block-status truth table of QEMU's qcow2 driver (zero clusters, unallocated clusters
 * with nothing below and clusters past the backing file's end are ZERO; data and compressed clusters DATA), and goes
 * further in two places, both only ever reporting bytes that read as zero: an unallocated run asks the backing chain
 * and is ZERO where the chain knows it is zero (UNKNOWN elsewhere, as in QEMU), and a data cluster over a hole of the
 * host file is ZERO in any image (QEMU looks only in metadata-preallocated ones). {@link #mapping} is exactly what
 * {@code qemu-img map} (7.2) reports.
 *
 * <p>Writes allocate clusters (copy-on-write of the rest of the cluster from the backing file, a compressed cluster or
 * a shared cluster), L2 tables and refcount blocks, and keep the refcounts exact, so {@code qemu-img check} finds
 * nothing. Updates are ordered as QEMU orders them: cluster contents, then refcounts, then the L2 entry, then the L1
 * entry; a process killed in between leaves at worst a leaked cluster. {@link #flush} makes it durable.
 *
 * <p>{@link #writeZeroes}: whole clusters become zero clusters in version 3 (their host clusters are freed and punched
 * out of the file). Version 2 has no zero flag: whole clusters are deallocated when there is no backing file (they
 * then read as zero), and written as zero data when a backing file lies below them. Partial clusters that do not
 * already read as zero get zeros written as data.
 */
public final class Qcow2Backend implements BlockBackend {

    /** The magic number at offset 0: {@code QFI\xfb}. */
    public static final int MAGIC = 0x514649FB;

    private static final Logger LOG = LoggerFactory.getLogger(Qcow2Backend.class);
    /** Block status and zero detection work in 512-byte units, as QEMU's request alignment. */
    private static final long SECTOR = 512;
    /** L2 tables looked at by one {@link #status} call before it returns what it has. */
    private static final int STATUS_TABLES = 64;

    private final ImageFile file;
    private final Qcow2Header header;
    private final BlockBackend backing;
    private final long size;
    private final int clusterBits;
    private final int clusterSize;
    private final int l2Bits;
    private final ClusterLookup clusters;
    private final MetadataGuard guard;
    private final Refcounts refcounts;
    /** The write path; null for a read-only image. */
    private final Qcow2Writer writer;
    private final long backingSize;
    private long compressedKey;
    private byte[] compressedData;
    /** A raw-deflate inflater, made on the first compressed cluster and ended at close. */
    private Inflater inflater;
    /** Whether the image looks metadata-preallocated; decided on first use by {@link #mapping}. */
    private Boolean metadataPreallocation;
    private boolean closed;

    private Qcow2Backend(ImageFile file, Qcow2Header header, long[] l1, BlockBackend backing) throws IOException {
        this.file = file;
        this.header = header;
        this.backing = backing;
        this.size = header.virtualSize();
        this.clusterBits = header.clusterBits();
        this.clusterSize = header.clusterSize();
        this.l2Bits = clusterBits - 3;
        this.clusters = new ClusterLookup(file, header, l1);
        this.backingSize = backing == null ? 0 : backing.size();
        if (file.readOnly()) {
            this.guard = null;
            this.refcounts = null;
        } else {
            this.guard = new MetadataGuard(file.path(), clusterBits);
            guard.setL1(header.l1TableOffset(), 8L * l1.length);
            for (long entry : l1) {
                long offset = entry & Entries.OFFSET_MASK;
                if (offset != 0) {
                    guard.claim(offset >>> clusterBits, "L2 table");
                }
            }
            this.refcounts = new Refcounts(file, header, guard);
        }
        this.writer = refcounts == null ? null : new Qcow2Writer(file, header, clusters, new Qcow2Writer.Reads() {
            @Override
            public byte[] decompress(long entry, long guestOffset) throws IOException {
                return Qcow2Backend.this.decompress(entry, guestOffset);
            }

            @Override
            public void readBacking(long offset, ByteBuffer dst) throws IOException {
                Qcow2Backend.this.readBacking(offset, dst);
            }

            @Override
            public void forgetCompressed(long entry) {
                if (compressedKey == entry) {
                    compressedData = null;
                }
            }
        }, guard, refcounts, backing, backingSize);
    }

    /** Opens a qcow2 image over {@code file} (which it then owns), opening backing files with {@code backing}. */
    public static Qcow2Backend open(ImageFile file, BackingOpener backing) throws IOException {
        Objects.requireNonNull(backing, "backing");
        return open(file, backing, List.of(BackingChain.canonical(file.path())));
    }

    /** Opens one image of a chain; {@code chain} holds the canonical paths from the top down to this image. */
    static Qcow2Backend open(ImageFile file, BackingOpener opener, List<Path> chain) throws IOException {
        BlockBackend backing = null;
        try {
            Qcow2Header header = Qcow2Header.read(file);
            header.requireSupported(!file.readOnly());
            ByteBuffer buf = ByteBuffer.allocate(header.l1Size() * 8); // <= 32 MiB and inside the file (checked)
            file.readFully(header.l1TableOffset(), buf);
            long[] l1 = new long[header.l1Size()];
            buf.flip();
            buf.asLongBuffer().get(l1);
            if (header.backingFile() != null) {
                backing = BackingChain.open(header, opener, chain);
            }
            Qcow2Backend backend = new Qcow2Backend(file, header, l1, backing);
            if (!file.readOnly() && header.autoclearFeatures() != 0) {
                // We maintain none of the autoclear features; the spec asks a writer to clear their bits first.
                file.writeFully(Qcow2Header.OFF_AUTOCLEAR, ByteBuffer.allocate(8));
            }
            LOG.debug("{}: qcow2 v{}, {} bytes, {}-byte clusters, {}-bit refcounts, backing {}", file.path(),
                    header.version(), header.virtualSize(), header.clusterSize(), header.refcountBits(),
                    backing == null ? "none" : backing.path());
            return backend;
        } catch (IOException | RuntimeException e) {
            if (backing != null) {
                backing.close();
            }
            file.close();
            throw e;
        }
    }

    /** The parsed header (as it was at open). */
    public Qcow2Header header() {
        return header;
    }

    /** The backing image, or {@code null}. */
    @Override
    public BlockBackend backing() {
        return backing;
    }

    @Override
    public Path path() {
        return file.path();
    }

    /** The top file's identity (its backing chain has its own). */
    @Override
    public FileIdentity identity() throws IOException {
        return file.identity();
    }

    @Override
    public String format() {
        return "qcow2";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return file.readOnly();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reading

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkOpen();
        BlockBackend.checkAccess(this, offset, dst.remaining());
        LOG.trace("{}: read {} bytes at {}", file.path(), dst.remaining(), offset);
        long at = offset;
        while (dst.hasRemaining()) {
            Run run = clusters.lookup(at, dst.remaining());
            int n = (int) run.length;
            ByteBuffer part = dst.slice();
            part.limit(n);
            switch (run.source) {
                case DATA:
                    file.readFully(run.host, part);
                    break;
                case COMPRESSED:
                    part.put(decompress(run.entry, at), (int) (at & (clusterSize - 1)), n);
                    break;
                case UNALLOCATED:
                    readBacking(at, part);
                    break;
                default:
                    fillZero(part);
                    break;
            }
            dst.position(dst.position() + n);
            at += n;
        }
    }

    /** Reads what lies below an unallocated range: the backing chain up to its length, zeros after. */
    private void readBacking(long offset, ByteBuffer dst) throws IOException {
        long inBacking = Math.max(0, Math.min(dst.remaining(), backingSize - offset));
        if (inBacking > 0) {
            int limit = dst.limit();
            dst.limit(dst.position() + (int) inBacking);
            backing.read(offset, dst);
            dst.limit(limit);
        }
        fillZero(dst);
    }

    private static void fillZero(ByteBuffer dst) {
        while (dst.remaining() >= 8) {
            dst.putLong(0);
        }
        while (dst.hasRemaining()) {
            dst.put((byte) 0);
        }
    }

    /** The contents of a compressed cluster (the last one is kept, as a cluster is often read in pieces). */
    private byte[] decompress(long entry, long guestOffset) throws IOException {
        if (compressedData != null && compressedKey == entry) {
            return compressedData;
        }
        long offset = Entries.compressedOffset(entry, clusterBits);
        int length = (int) Entries.compressedBytes(entry, clusterBits); // at most twice the cluster size
        byte[] src = new byte[length + 1];
        file.readFully(offset, ByteBuffer.wrap(src, 0, length));
        byte[] out = new byte[clusterSize];
        if (inflater == null) {
            inflater = new Inflater(true);
        }
        String problem = Deflate.inflate(inflater, src, length, out);
        if (problem != null) {
            throw corrupt(String.format("compressed cluster at guest offset 0x%x (host 0x%x, %d bytes): %s",
                    guestOffset & -clusterSize, offset, length, problem));
        }
        compressedKey = entry;
        compressedData = out;
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Block status

    @Override
    public BlockStatus status(long offset, long max) throws IOException {
        checkOpen();
        BlockBackend.checkAccess(this, offset, 1);
        long limit = Math.min(Math.max(1, max), size - offset);
        long at = offset;
        BlockStatus.Kind kind = null;
        for (int tables = 0; at < offset + limit && tables < STATUS_TABLES; tables++) {
            Run run = clusters.lookup(at, offset + limit - at);
            long runEnd = at + run.length;
            while (at < runEnd) {
                BlockStatus piece = classifyRun(run, at, runEnd);
                if (kind == null) {
                    kind = piece.kind();
                } else if (kind != piece.kind()) {
                    return new BlockStatus(offset, at - offset, kind);
                }
                at = piece.end();
            }
        }
        return new BlockStatus(offset, at - offset, kind);
    }

    /** The status of {@code [at, end)} within {@code run}, or of a prefix of it. */
    private BlockStatus classifyRun(Run run, long at, long end) throws IOException {
        switch (run.source) {
            case ZERO:
            case ZERO_ALLOC:
                return new BlockStatus(at, end - at, BlockStatus.Kind.ZERO);
            case COMPRESSED:
                return new BlockStatus(at, end - at, BlockStatus.Kind.DATA);
            case UNALLOCATED: {
                if (backing == null || at >= backingSize) {
                    return new BlockStatus(at, end - at, BlockStatus.Kind.ZERO);
                }
                // Going further than QEMU, which stops at the top image: where the backing chain knows the bytes
                // are zero, so is this run; anything else the chain holds stays UNKNOWN, as in QEMU's table.
                BlockStatus below = backing.status(at, Math.min(end, backingSize) - at);
                if (below.kind() == BlockStatus.Kind.ZERO) {
                    return new BlockStatus(at, below.length(), BlockStatus.Kind.ZERO);
                }
                long boundary = Math.min(end, Math.max(below.end(), roundUp(below.end(), SECTOR)));
                return new BlockStatus(at, boundary - at, BlockStatus.Kind.UNKNOWN);
            }
            default: {
                // A data cluster whose host range is a hole in the file reads as zero (metadata preallocation).
                long host = run.host + (at - (end - run.length)); // the run started at end - length
                long hostEnd = host + (end - at);
                long data = file.nextData(host);
                if (data < 0 || data >= hostEnd) {
                    return new BlockStatus(at, end - at, BlockStatus.Kind.ZERO);
                }
                if (data - host >= SECTOR) {
                    return new BlockStatus(at, (data - host) & -SECTOR, BlockStatus.Kind.ZERO);
                }
                // Data here: DATA to the end of this cluster, and the next cluster is looked at afresh. (SEEK_HOLE
                // would have to scan the densely written file past the run; SEEK_DATA at data returns at once.)
                long clusterEnd = (at | (clusterSize - 1)) + 1;
                return new BlockStatus(at, Math.min(end, clusterEnd) - at, BlockStatus.Kind.DATA);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Mapping, as qemu-img map shows it

    /**
     * The run at {@code offset} as {@code qemu-img map} (QEMU 7.2) describes it: data clusters with their host offset,
     * zero clusters (with the host offset when preallocated), compressed clusters without one, and unallocated runs
     * answered by the backing chain one layer deeper, or as absent zeros at depth 0 where nothing lies below. File
     * holes inside data clusters count as zero only in a metadata-preallocated image, as QEMU decides it.
     */
    @Override
    public Mapping mapping(long offset, long max) throws IOException {
        checkOpen();
        BlockBackend.checkAccess(this, offset, 1);
        long limit = Math.min(Math.max(1, max), size - offset);
        Run run = clusters.lookup(offset, limit);
        switch (run.source) {
            case DATA:
                return dataMapping(offset, run);
            case ZERO_ALLOC:
                return new Mapping(offset, run.length, 0, true, true, false, run.host, file.path(), false);
            case ZERO:
                return new Mapping(offset, run.length, 0, true, true, false, -1, null, false);
            case COMPRESSED:
                return new Mapping(offset, run.length, 0, true, false, true, -1, null, true);
            default:
                if (backing == null || offset >= backingSize) {
                    return new Mapping(offset, run.length, 0, false, true, false, -1, null, false);
                }
                return backing.mapping(offset, Math.min(run.length, backingSize - offset)).deeper(1);
        }
    }

    private Mapping dataMapping(long offset, Run run) throws IOException {
        if (!metadataPreallocated()) {
            return new Mapping(offset, run.length, 0, true, false, true, run.host, file.path(), false);
        }
        long hostEnd = run.host + run.length;
        long data = file.nextData(run.host);
        if (data < 0 || data > run.host) { // a hole (or the end of the file) first: reads as zero
            long end = data < 0 ? hostEnd : Math.min(hostEnd, data);
            return new Mapping(offset, end - run.host, 0, true, true, true, run.host, file.path(), false);
        }
        long end = Math.min(hostEnd, file.nextHole(run.host));
        return new Mapping(offset, Math.max(1, end - run.host), 0, true, false, true, run.host, file.path(), false);
    }

    /**
     * QEMU's guess that the image was created with {@code preallocation=metadata}: clearly more clusters have a
     * refcount than the file occupies on disk. Decided once; an unreadable refcount structure means no.
     */
    private boolean metadataPreallocated() throws IOException {
        if (metadataPreallocation == null) {
            boolean result = false;
            try {
                Refcounts counts = refcounts != null ? refcounts
                        : new Refcounts(file, header, new MetadataGuard(file.path(), clusterBits));
                long realClusters = file.allocatedBytes() / clusterSize;
                long threshold = Math.max(realClusters * 10 / 9, realClusters + 2);
                long end = (file.length() + clusterSize - 1) >>> clusterBits;
                long counted = 0;
                for (long c = 0; c < end && counted < threshold; c++) {
                    if (counts.get(c) != 0) {
                        counted++;
                    }
                }
                result = counted >= threshold;
            } catch (ImageFormatException e) {
                LOG.debug("{}: refcounts unreadable, so no metadata preallocation assumed: {}", file.path(),
                        e.getMessage());
            }
            metadataPreallocation = result;
        }
        return metadataPreallocation;
    }

    @Override
    public long allocatedBytes() throws IOException {
        return file.allocatedBytes();
    }

    /** What {@code qemu-img info} shows of a qcow2 image, in its order. */
    @Override
    public Map<String, String> details() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("cluster_size", Integer.toString(clusterSize));
        if (header.backingFile() != null) {
            details.put("backing file", header.backingFile());
            if (header.backingFormat() != null) {
                details.put("backing file format", header.backingFormat());
            }
        }
        // qemu-img info shows lazy refcounts, corrupt and extended l2 only for version 3
        details.put("compat", header.version() == 2 ? "0.10" : "1.1");
        details.put("compression type", header.compressionType() == 0 ? "zlib" : "zstd");
        if (header.version() >= 3) {
            details.put("lazy refcounts", Boolean.toString(header.lazyRefcounts()));
        }
        details.put("refcount bits", Integer.toString(header.refcountBits()));
        if (header.version() >= 3) {
            details.put("corrupt", Boolean.toString(header.corrupt()));
            details.put("extended l2", "false");
        }
        if (header.snapshotCount() > 0) {
            details.put("internal snapshots", Integer.toString(header.snapshotCount()));
        }
        if (header.hasBitmapsExtension()) {
            details.put("persistent bitmaps", Long.toString(header.bitmapsCount()));
        }
        return details;
    }

    private static long roundUp(long value, long unit) {
        return (value + unit - 1) / unit * unit;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Writing: checks here, the work in Qcow2Writer

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkOpen();
        BlockBackend.checkAccess(this, offset, src.remaining());
        checkWritable();
        LOG.trace("{}: write {} bytes at {}", file.path(), src.remaining(), offset);
        writer.write(offset, src);
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        checkOpen();
        BlockBackend.checkAccess(this, offset, length);
        if (offset % SECTOR != 0 || length % SECTOR != 0) {
            throw new IllegalArgumentException(String.format("%s: zeroing %d bytes at %d: both must be multiples"
                    + " of %d", file.path(), length, offset, SECTOR));
        }
        checkWritable();
        LOG.trace("{}: zero {} bytes at {}", file.path(), length, offset);
        writer.writeZeroes(offset, length);
    }

    @Override
    public void flush() throws IOException {
        checkOpen();
        file.flush();
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (inflater != null) {
            inflater.end();
        }
        try {
            if (!file.readOnly()) {
                file.flush();
            }
        } finally {
            try {
                file.close();
            } finally {
                if (backing != null) {
                    backing.close();
                }
            }
        }
    }

    private ImageFormatException corrupt(String problem) {
        return clusters.corrupt(problem);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(file.path() + ": image is closed");
        }
    }

    private void checkWritable() throws IOException {
        if (file.readOnly()) {
            throw new IOException(file.path() + ": image is read-only");
        }
    }

    @Override
    public String toString() {
        return "qcow2:" + file.path();
    }
}
