package dev.virtflash.hw.block.qcow2;

import dev.virtflash.hw.block.BackingOpener;
import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.BlockStatus;
import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import dev.virtflash.hw.block.Mapping;
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
    private final long[] l1;
    private final ClusterCache<long[]> l2Cache;
    private final MetadataGuard guard;
    private final Refcounts refcounts;
    private final long backingSize;
    private long fileLength;
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
        this.l1 = l1;
        this.l2Cache = new ClusterCache<>(clusterBits);
        this.backingSize = backing == null ? 0 : backing.size();
        this.fileLength = file.length();
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
    // Mapping

    /** Where the bytes of a run of guest clusters come from. */
    private enum Source {
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
    private static final class Run {
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
    private long[] l2Table(int l1Index) throws IOException {
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

    private long[] l2TableAt(long offset) throws IOException {
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
    private Entries.Type classify(long entry, long guestOffset) throws ImageFormatException {
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
    private Run lookup(long offset, long max) throws IOException {
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

    private static Source source(Entries.Type type) {
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

    // ---------------------------------------------------------------------------------------------------------------
    // Reading

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkOpen();
        check(offset, dst.remaining());
        LOG.trace("{}: read {} bytes at {}", file.path(), dst.remaining(), offset);
        long at = offset;
        while (dst.hasRemaining()) {
            Run run = lookup(at, dst.remaining());
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
        check(offset, 1);
        long limit = Math.min(Math.max(1, max), size - offset);
        long at = offset;
        BlockStatus.Kind kind = null;
        for (int tables = 0; at < offset + limit && tables < STATUS_TABLES; tables++) {
            Run run = lookup(at, offset + limit - at);
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
        check(offset, 1);
        long limit = Math.min(Math.max(1, max), size - offset);
        Run run = lookup(offset, limit);
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
    // Writing

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkOpen();
        check(offset, src.remaining());
        checkWritable();
        LOG.trace("{}: write {} bytes at {}", file.path(), src.remaining(), offset);
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

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        checkOpen();
        check(offset, length);
        if (offset % SECTOR != 0 || length % SECTOR != 0) {
            throw new IllegalArgumentException(String.format("%s: zeroing %d bytes at %d: both must be multiples"
                    + " of %d", file.path(), length, offset, SECTOR));
        }
        checkWritable();
        LOG.trace("{}: zero {} bytes at {}", file.path(), length, offset);
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

    @Override
    public void flush() throws IOException {
        checkOpen();
        file.flush();
    }

    /** The L2 entry of a guest cluster, 0 when its L2 table is absent. */
    private long entryOf(long cluster) throws IOException {
        long[] table = l2Table((int) (cluster >>> l2Bits));
        return table == null ? 0 : table[(int) (cluster & ((1L << l2Bits) - 1))];
    }

    /** Whether a guest cluster reads as zero without looking at data. */
    private boolean readsAsZero(long cluster) throws IOException {
        long entry = entryOf(cluster);
        switch (classify(entry, cluster << clusterBits)) {
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
        long entry = l2TableAt(l2Offset)[l2Index];
        Entries.Type type = classify(entry, guestOffset);
        long host = entry & Entries.OFFSET_MASK;
        boolean owned = (entry & Entries.COPIED) != 0;
        if ((type == Entries.Type.NORMAL || type == Entries.Type.ZERO_ALLOC) && owned && host >= fileLength) {
            throw corrupt(String.format("host cluster 0x%x of guest offset 0x%x lies past the end of the file (%d"
                    + " bytes)", host, guestOffset, fileLength));
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
                part.put(decompress(entry, guestOffset), 0, visible);
                break;
            case UNALLOCATED:
                if (backing != null) {
                    readBacking(guestOffset, part);
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
        Entries.Type type = classify(entry, guestOffset);
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
                if (compressedKey == entry) {
                    compressedData = null;
                }
                break;
            }
            default:
                break;
        }
    }

    /** The L2 table for {@code l1Index}, allocated if absent; refuses tables shared with a snapshot. */
    private long writableL2(int l1Index) throws IOException {
        long entry = l1[l1Index];
        long offset = entry & Entries.OFFSET_MASK;
        if (offset != 0) {
            l2Table(l1Index); // validates alignment and position
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
        l2Cache.put(fresh, new long[1 << l2Bits]);
        setL1Entry(l1Index, fresh | Entries.COPIED);
        return fresh;
    }

    private void setL2Entry(long l2Offset, int index, long value) throws IOException {
        l2TableAt(l2Offset)[index] = value;
        writeFile(l2Offset + 8L * index, ByteBuffer.allocate(8).putLong(0, value));
    }

    private void setL1Entry(int index, long value) throws IOException {
        l1[index] = value;
        writeFile(header.l1TableOffset() + 8L * index, ByteBuffer.allocate(8).putLong(0, value));
    }

    private void writeFile(long offset, ByteBuffer src) throws IOException {
        long end = offset + src.remaining();
        file.writeFully(offset, src);
        fileLength = Math.max(fileLength, end);
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
        return new ImageFormatException(file.path(), problem + " (the image is corrupt; check it with qemu-img"
                + " check)");
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

    private void check(long offset, long length) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IllegalArgumentException(String.format("%s: access of %d bytes at %d is outside its %d bytes",
                    file.path(), length, offset, size));
        }
    }

    @Override
    public String toString() {
        return "qcow2:" + file.path();
    }
}
