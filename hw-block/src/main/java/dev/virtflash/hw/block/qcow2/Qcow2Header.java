package dev.virtflash.hw.block.qcow2;

import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The parsed and validated first cluster of a qcow2 image: the header (versions 2 and 3), its extensions and the
 * backing file name (qcow2 spec, docs/interop/qcow2.txt, "Header" and "Header extensions").
 *
 * <p>{@link #read} checks the structure (magic, version, cluster size, table positions and sizes against the file and
 * each other, extension bounds): every size taken from the file is checked against a limit before anything is
 * allocated from it. {@link #requireSupported} then refuses what this implementation cannot handle. Both throw an
 * {@link ImageFormatException} with a one-line message naming the file, the value found and what was expected.
 *
 * <p>Size: about 600 lines, over the project's 400, on purpose: one header is one structure with one set of
 * cross-checks (each field against the file and the others) and their messages; parser, validator and the
 * field accessors would otherwise share every field through getters.
 */
public final class Qcow2Header {

    /** Header bytes of a version 2 image. */
    public static final int V2_HEADER_LENGTH = 72;
    /** Minimum header bytes of a version 3 image. */
    public static final int V3_MIN_HEADER_LENGTH = 104;
    /** Header length that {@code qemu-img} writes for version 3 (with the compression type field). */
    public static final int V3_HEADER_LENGTH = 112;
    /** Smallest cluster size: 512 bytes. */
    public static final int MIN_CLUSTER_BITS = 9;
    /** Largest cluster size QEMU opens: 2 MiB. */
    public static final int MAX_CLUSTER_BITS = 21;
    /** QEMU's limit on the L1 table: 32 MiB. */
    public static final long MAX_L1_BYTES = 32L << 20;
    /** QEMU's limit on the refcount table: 8 MiB. */
    public static final long MAX_REFCOUNT_TABLE_BYTES = 8L << 20;
    /** QEMU's limit on internal snapshots. */
    public static final int MAX_SNAPSHOTS = 65536;
    /** The spec's limit on the backing file name. */
    public static final int MAX_BACKING_NAME = 1023;
    /** QEMU's limit on the backing format name (a 16-byte buffer with its terminator). */
    public static final int MAX_BACKING_FORMAT = 15;

    // Header field offsets (qcow2 spec, "Header").
    static final int OFF_MAGIC = 0;
    static final int OFF_VERSION = 4;
    static final int OFF_BACKING_FILE_OFFSET = 8;
    static final int OFF_BACKING_FILE_SIZE = 16;
    static final int OFF_CLUSTER_BITS = 20;
    static final int OFF_SIZE = 24;
    static final int OFF_CRYPT_METHOD = 32;
    static final int OFF_L1_SIZE = 36;
    static final int OFF_L1_TABLE_OFFSET = 40;
    static final int OFF_REFCOUNT_TABLE_OFFSET = 48;
    static final int OFF_REFCOUNT_TABLE_CLUSTERS = 56;
    static final int OFF_NB_SNAPSHOTS = 60;
    static final int OFF_SNAPSHOTS_OFFSET = 64;
    static final int OFF_INCOMPATIBLE = 72;
    static final int OFF_COMPATIBLE = 80;
    static final int OFF_AUTOCLEAR = 88;
    static final int OFF_REFCOUNT_ORDER = 96;
    static final int OFF_HEADER_LENGTH = 100;
    static final int OFF_COMPRESSION_TYPE = 104;

    /** Incompatible feature bits. */
    public static final long INCOMPAT_DIRTY = 1L;
    public static final long INCOMPAT_CORRUPT = 1L << 1;
    public static final long INCOMPAT_DATA_FILE = 1L << 2;
    public static final long INCOMPAT_COMPRESSION = 1L << 3;
    public static final long INCOMPAT_EXTL2 = 1L << 4;
    static final long INCOMPAT_KNOWN = 0x1FL;
    /** Compatible feature bit 0: lazy refcounts. */
    public static final long COMPAT_LAZY_REFCOUNTS = 1L;
    /** Autoclear feature bit 0: the bitmaps extension is consistent. */
    public static final long AUTOCLEAR_BITMAPS = 1L;

    /** Header extension types. */
    static final int EXT_END = 0;
    static final int EXT_BACKING_FORMAT = 0xE2792ACA;
    static final int EXT_FEATURE_TABLE = 0x6803F857;
    static final int EXT_BITMAPS = 0x23852875;
    static final int EXT_CRYPTO = 0x0537BE77;
    static final int EXT_DATA_FILE = 0x44415441;
    static final int FEATURE_ENTRY_BYTES = 48;

    private final Path path;
    private final long fileLength;
    private final int version;
    private final int clusterBits;
    private final long rawSize;
    private final int cryptMethod;
    private final int l1Size;
    private final long l1TableOffset;
    private final long refcountTableOffset;
    private final int refcountTableClusters;
    private final int nbSnapshots;
    private final long snapshotsOffset;
    private final long incompatible;
    private final long compatible;
    private final long autoclear;
    private final int refcountOrder;
    private final int headerLength;
    private final int compressionType;
    private final String backingFile;
    private final String backingFormat;
    private final Map<String, String> featureNames;
    private final long bitmapsCount;
    private final long bitmapDirectoryOffset;
    private final long bitmapDirectorySize;
    private final boolean hasBitmapsExtension;
    private final long cryptoHeaderOffset;
    private final long cryptoHeaderLength;

    private Qcow2Header(Parser p) {
        this.path = p.path;
        this.fileLength = p.fileLength;
        this.version = p.version;
        this.clusterBits = p.clusterBits;
        this.rawSize = p.rawSize;
        this.cryptMethod = p.cryptMethod;
        this.l1Size = p.l1Size;
        this.l1TableOffset = p.l1TableOffset;
        this.refcountTableOffset = p.refcountTableOffset;
        this.refcountTableClusters = p.refcountTableClusters;
        this.nbSnapshots = p.nbSnapshots;
        this.snapshotsOffset = p.snapshotsOffset;
        this.incompatible = p.incompatible;
        this.compatible = p.compatible;
        this.autoclear = p.autoclear;
        this.refcountOrder = p.refcountOrder;
        this.headerLength = p.headerLength;
        this.compressionType = p.compressionType;
        this.backingFile = p.backingFile;
        this.backingFormat = p.backingFormat;
        this.featureNames = Collections.unmodifiableMap(p.featureNames);
        this.hasBitmapsExtension = p.hasBitmapsExtension;
        this.bitmapsCount = p.bitmapsCount;
        this.bitmapDirectoryOffset = p.bitmapDirectoryOffset;
        this.bitmapDirectorySize = p.bitmapDirectorySize;
        this.cryptoHeaderOffset = p.cryptoHeaderOffset;
        this.cryptoHeaderLength = p.cryptoHeaderLength;
    }

    /** Reads and validates the header of {@code file}. */
    public static Qcow2Header read(ImageFile file) throws IOException {
        return new Parser(file).parse();
    }

    /**
     * Refuses what this implementation does not support, naming the feature: encryption, extended L2 entries,
     * external data files, compression other than deflate, unknown incompatible feature bits, a dirty image (lazy
     * refcounts not yet repaired); for writing also a corrupt image, internal snapshots and persistent bitmaps.
     */
    public void requireSupported(boolean writable) throws ImageFormatException {
        if (cryptMethod != 0) {
            throw error("encryption (crypt_method " + cryptMethod + (cryptMethod == 1 ? ", AES" : cryptMethod == 2
                    ? ", LUKS" : "") + ") is not supported, expected crypt_method 0");
        }
        long unknown = incompatible & ~INCOMPAT_KNOWN;
        if (unknown != 0) {
            int bit = Long.numberOfTrailingZeros(unknown);
            String name = featureNames.get(featureKey(0, bit));
            throw error("unknown incompatible feature bit " + bit + (name == null ? "" : " (" + name + ")")
                    + " is not supported");
        }
        if ((incompatible & INCOMPAT_EXTL2) != 0) {
            throw error("extended L2 entries (incompatible feature bit 4) are not supported");
        }
        if ((incompatible & INCOMPAT_DATA_FILE) != 0) {
            throw error("external data file (incompatible feature bit 2) is not supported");
        }
        if ((incompatible & INCOMPAT_COMPRESSION) != 0 || compressionType != 0) {
            throw error("compression type " + compressionType + (compressionType == 1 ? " (zstd)" : "")
                    + " (incompatible feature bit 3) is not supported, expected 0 (zlib/deflate)");
        }
        if ((incompatible & INCOMPAT_DIRTY) != 0) {
            throw error("dirty image (incompatible feature bit 0, lazy refcounts) is not supported: its refcounts"
                    + " need repair first (qemu-img check -r all)");
        }
        if (!writable) {
            return;
        }
        if ((incompatible & INCOMPAT_CORRUPT) != 0) {
            throw error("image is marked corrupt (incompatible feature bit 1) and cannot be written; open it"
                    + " read-only or repair it (qemu-img check -r all)");
        }
        if (nbSnapshots != 0) {
            throw error(nbSnapshots + " internal snapshot(s): writing images with snapshots is not supported,"
                    + " expected 0 (open it read-only)");
        }
        if (hasBitmapsExtension) {
            throw error("persistent dirty bitmaps (" + bitmapsCount + ") are not supported for writing"
                    + " (open it read-only)");
        }
    }

    private ImageFormatException error(String problem) {
        return new ImageFormatException(path, problem);
    }

    static String featureKey(int type, int bit) {
        return type + ":" + bit;
    }

    public Path path() {
        return path;
    }

    /** The file's length when the header was read. */
    public long fileLength() {
        return fileLength;
    }

    /** 2 or 3 ({@code compat=0.10} or {@code compat=1.1}). */
    public int version() {
        return version;
    }

    public int clusterBits() {
        return clusterBits;
    }

    public int clusterSize() {
        return 1 << clusterBits;
    }

    /** Entries per L2 table. */
    public int l2Entries() {
        return 1 << (clusterBits - 3);
    }

    /** The size field as stored. */
    public long rawSize() {
        return rawSize;
    }

    /** The guest-visible size: the size field rounded down to 512 bytes, as QEMU counts sectors. */
    public long virtualSize() {
        return rawSize & ~511L;
    }

    public int cryptMethod() {
        return cryptMethod;
    }

    public int l1Size() {
        return l1Size;
    }

    public long l1TableOffset() {
        return l1TableOffset;
    }

    public long refcountTableOffset() {
        return refcountTableOffset;
    }

    public int refcountTableClusters() {
        return refcountTableClusters;
    }

    public int snapshotCount() {
        return nbSnapshots;
    }

    public long snapshotsOffset() {
        return snapshotsOffset;
    }

    public long incompatibleFeatures() {
        return incompatible;
    }

    public long compatibleFeatures() {
        return compatible;
    }

    public long autoclearFeatures() {
        return autoclear;
    }

    /** log2 of the refcount width in bits (4 for version 2). */
    public int refcountOrder() {
        return refcountOrder;
    }

    public int refcountBits() {
        return 1 << refcountOrder;
    }

    public int headerLength() {
        return headerLength;
    }

    public int compressionType() {
        return compressionType;
    }

    /** The backing file name as stored (relative to the image's folder unless absolute), or {@code null}. */
    public String backingFile() {
        return backingFile;
    }

    /** The backing format from the header extension, or {@code null}. */
    public String backingFormat() {
        return backingFormat;
    }

    public boolean lazyRefcounts() {
        return (compatible & COMPAT_LAZY_REFCOUNTS) != 0;
    }

    public boolean corrupt() {
        return (incompatible & INCOMPAT_CORRUPT) != 0;
    }

    boolean hasBitmapsExtension() {
        return hasBitmapsExtension;
    }

    long bitmapsCount() {
        return bitmapsCount;
    }

    long bitmapDirectoryOffset() {
        return bitmapDirectoryOffset;
    }

    long bitmapDirectorySize() {
        return bitmapDirectorySize;
    }

    long cryptoHeaderOffset() {
        return cryptoHeaderOffset;
    }

    long cryptoHeaderLength() {
        return cryptoHeaderLength;
    }

    /** L1 entries needed to map {@code size} bytes with {@code clusterBits}. */
    static long l1EntriesFor(long size, int clusterBits) {
        long perL1 = 1L << (clusterBits + clusterBits - 3);
        return Long.divideUnsigned(size, perL1) + (Long.remainderUnsigned(size, perL1) != 0 ? 1 : 0);
    }

    /** The largest virtual size an L1 table within QEMU's limit can map with {@code clusterBits}. */
    static long maxVirtualSize(int clusterBits) {
        return (MAX_L1_BYTES / 8) << (clusterBits + clusterBits - 3);
    }

    /** Reads one header; all checks and messages live here. */
    private static final class Parser {
        private final ImageFile file;
        private final Path path;
        private long fileLength;
        private ByteBuffer buf;
        int version;
        int clusterBits;
        long rawSize;
        int cryptMethod;
        int l1Size;
        long l1TableOffset;
        long refcountTableOffset;
        int refcountTableClusters;
        int nbSnapshots;
        long snapshotsOffset;
        long incompatible;
        long compatible;
        long autoclear;
        int refcountOrder = 4;
        int headerLength = V2_HEADER_LENGTH;
        int compressionType;
        String backingFile;
        String backingFormat;
        final Map<String, String> featureNames = new HashMap<>();
        boolean hasBitmapsExtension;
        long bitmapsCount;
        long bitmapDirectoryOffset;
        long bitmapDirectorySize;
        long cryptoHeaderOffset;
        long cryptoHeaderLength;

        Parser(ImageFile file) {
            this.file = file;
            this.path = file.path();
        }

        private ImageFormatException error(String problem) {
            return new ImageFormatException(path, problem);
        }

        Qcow2Header parse() throws IOException {
            fileLength = file.length();
            if (fileLength < 4) {
                throw error("truncated header: file is " + fileLength + " bytes, expected at least "
                        + V2_HEADER_LENGTH);
            }
            int first = (int) Math.min(fileLength, V3_HEADER_LENGTH);
            buf = ByteBuffer.allocate(first);
            file.readFully(0, buf);
            int magic = buf.getInt(OFF_MAGIC);
            if (magic != Qcow2Backend.MAGIC) {
                throw error(String.format("wrong magic 0x%08x, expected 0x%08x (QFI\\xfb)", magic,
                        Qcow2Backend.MAGIC));
            }
            if (fileLength < V2_HEADER_LENGTH) {
                throw error("truncated header: file is " + fileLength + " bytes, expected at least "
                        + V2_HEADER_LENGTH);
            }
            version = buf.getInt(OFF_VERSION);
            if (version != 2 && version != 3) {
                throw error("version " + Integer.toUnsignedString(version) + ", expected 2 or 3");
            }
            if (version == 3 && fileLength < V3_MIN_HEADER_LENGTH) {
                throw error("truncated header: file is " + fileLength + " bytes, expected at least "
                        + V3_MIN_HEADER_LENGTH + " for version 3");
            }
            int bits = buf.getInt(OFF_CLUSTER_BITS);
            if (bits < MIN_CLUSTER_BITS || bits > MAX_CLUSTER_BITS) {
                throw error("cluster_bits " + Integer.toUnsignedString(bits) + ", expected " + MIN_CLUSTER_BITS
                        + " to " + MAX_CLUSTER_BITS);
            }
            clusterBits = bits;
            long clusterSize = 1L << bits;
            if (version == 3) {
                headerLength = buf.getInt(OFF_HEADER_LENGTH);
                if (headerLength < V3_MIN_HEADER_LENGTH || headerLength % 8 != 0 || headerLength > clusterSize) {
                    throw error("header_length " + Integer.toUnsignedString(headerLength)
                            + ", expected a multiple of 8 from " + V3_MIN_HEADER_LENGTH + " to " + clusterSize);
                }
                if (fileLength < headerLength) {
                    throw error("truncated header: file is " + fileLength + " bytes, expected at least "
                            + headerLength + " (header_length)");
                }
                incompatible = buf.getLong(OFF_INCOMPATIBLE);
                compatible = buf.getLong(OFF_COMPATIBLE);
                autoclear = buf.getLong(OFF_AUTOCLEAR);
                refcountOrder = buf.getInt(OFF_REFCOUNT_ORDER);
                if (refcountOrder < 0 || refcountOrder > 6) {
                    throw error("refcount_order " + Integer.toUnsignedString(refcountOrder)
                            + ", expected 0 to 6");
                }
                if (headerLength > OFF_COMPRESSION_TYPE) {
                    compressionType = buf.get(OFF_COMPRESSION_TYPE) & 0xFF;
                }
            }
            rawSize = buf.getLong(OFF_SIZE);
            long maxSize = maxVirtualSize(bits);
            if (Long.compareUnsigned(rawSize, maxSize) > 0) {
                throw error("virtual size " + Long.toUnsignedString(rawSize) + ", expected at most " + maxSize
                        + " with " + clusterSize + "-byte clusters");
            }
            cryptMethod = buf.getInt(OFF_CRYPT_METHOD);
            checkL1();
            checkRefcountTable();
            checkOverlap("L1 table", l1TableOffset, (long) l1Size * 8, "refcount table", refcountTableOffset,
                    (long) refcountTableClusters << clusterBits);
            checkSnapshots();
            readExtensionsAndBackingName();
            return new Qcow2Header(this);
        }

        private void checkL1() throws ImageFormatException {
            long entries = Integer.toUnsignedLong(buf.getInt(OFF_L1_SIZE));
            long needed = l1EntriesFor(rawSize, clusterBits);
            if (entries > MAX_L1_BYTES / 8) {
                throw error("L1 table size " + entries + " entries, expected at most " + MAX_L1_BYTES / 8);
            }
            if (entries < needed) {
                throw error("L1 table size " + entries + " entries, expected at least " + needed
                        + " for a virtual size of " + rawSize + " bytes");
            }
            l1Size = (int) entries;
            l1TableOffset = buf.getLong(OFF_L1_TABLE_OFFSET);
            if (entries > 0) {
                checkTable("L1 table", l1TableOffset, entries * 8);
            }
        }

        private void checkRefcountTable() throws ImageFormatException {
            long clusters = Integer.toUnsignedLong(buf.getInt(OFF_REFCOUNT_TABLE_CLUSTERS));
            long max = MAX_REFCOUNT_TABLE_BYTES >> clusterBits;
            if (clusters < 1 || clusters > max) {
                throw error("refcount table size " + clusters + " clusters, expected 1 to " + max);
            }
            refcountTableClusters = (int) clusters;
            refcountTableOffset = buf.getLong(OFF_REFCOUNT_TABLE_OFFSET);
            checkTable("refcount table", refcountTableOffset, clusters << clusterBits);
        }

        private void checkSnapshots() throws ImageFormatException {
            long count = Integer.toUnsignedLong(buf.getInt(OFF_NB_SNAPSHOTS));
            if (count > MAX_SNAPSHOTS) {
                throw error(count + " snapshots, expected at most " + MAX_SNAPSHOTS);
            }
            nbSnapshots = (int) count;
            snapshotsOffset = buf.getLong(OFF_SNAPSHOTS_OFFSET);
            if (count > 0) {
                checkTable("snapshot table", snapshotsOffset, 40);
            }
        }

        /** A table must be cluster aligned, after the header cluster, and inside the file. */
        private void checkTable(String what, long offset, long bytes) throws ImageFormatException {
            long clusterSize = 1L << clusterBits;
            if ((offset & (clusterSize - 1)) != 0) {
                throw error(String.format("%s offset 0x%x is not a multiple of the cluster size %d", what, offset,
                        clusterSize));
            }
            if (offset == 0) {
                throw error(String.format("%s offset 0x%x overlaps the header (the first %d bytes)", what, offset,
                        clusterSize));
            }
            if (offset < 0 || offset > fileLength - bytes) {
                throw error(String.format("%s at 0x%x (%d bytes) extends past the end of the file (%d bytes)",
                        what, offset, bytes, fileLength));
            }
        }

        private void checkOverlap(String a, long aOffset, long aBytes, String b, long bOffset, long bBytes)
                throws ImageFormatException {
            if (aBytes > 0 && bBytes > 0 && aOffset < bOffset + bBytes && bOffset < aOffset + aBytes) {
                throw error(String.format("%s at 0x%x (%d bytes) overlaps the %s at 0x%x (%d bytes)", a, aOffset,
                        aBytes, b, bOffset, bBytes));
            }
        }

        private void readExtensionsAndBackingName() throws IOException {
            long clusterSize = 1L << clusterBits;
            long backingOffset = buf.getLong(OFF_BACKING_FILE_OFFSET);
            long backingSize = Integer.toUnsignedLong(buf.getInt(OFF_BACKING_FILE_SIZE));
            int areaEnd = (int) Math.min(clusterSize, fileLength);
            ByteBuffer cluster = ByteBuffer.allocate(areaEnd);
            file.readFully(0, cluster);
            if (backingOffset != 0) {
                if (backingSize > MAX_BACKING_NAME) {
                    throw error("backing file name of " + backingSize + " bytes, expected at most "
                            + MAX_BACKING_NAME);
                }
                if (backingOffset < headerLength || backingOffset > areaEnd - backingSize) {
                    throw error(String.format("backing file name at 0x%x (%d bytes) lies outside the header"
                            + " cluster after the header (bytes %d to %d)", backingOffset, backingSize,
                            headerLength, areaEnd));
                }
                if (backingSize > 0) {
                    byte[] name = new byte[(int) backingSize];
                    cluster.get((int) backingOffset, name);
                    backingFile = new String(name, StandardCharsets.UTF_8);
                }
            }
            int extEnd = backingOffset != 0 ? (int) backingOffset : areaEnd;
            int at = headerLength;
            while (at <= extEnd - 8) {
                int type = cluster.getInt(at);
                long len = Integer.toUnsignedLong(cluster.getInt(at + 4));
                if (type == EXT_END) {
                    break;
                }
                int data = at + 8;
                if (len > extEnd - data) {
                    throw error(String.format("header extension 0x%08x of %d bytes at offset %d runs past the end"
                            + " of the extension area (%d bytes)", type, len, at, extEnd));
                }
                extension(type, cluster, data, (int) len);
                at = data + (int) ((len + 7) & ~7L);
            }
        }

        private void extension(int type, ByteBuffer cluster, int data, int len) throws ImageFormatException {
            switch (type) {
                case EXT_BACKING_FORMAT:
                    if (len > MAX_BACKING_FORMAT) {
                        throw error("backing format name of " + len + " bytes, expected at most "
                                + MAX_BACKING_FORMAT);
                    }
                    byte[] fmt = new byte[len];
                    cluster.get(data, fmt);
                    backingFormat = new String(fmt, StandardCharsets.UTF_8);
                    break;
                case EXT_FEATURE_TABLE:
                    for (int e = 0; e + FEATURE_ENTRY_BYTES <= len; e += FEATURE_ENTRY_BYTES) {
                        int kind = cluster.get(data + e) & 0xFF;
                        int bit = cluster.get(data + e + 1) & 0xFF;
                        byte[] name = new byte[FEATURE_ENTRY_BYTES - 2];
                        cluster.get(data + e + 2, name);
                        int n = 0;
                        while (n < name.length && name[n] != 0) {
                            n++;
                        }
                        featureNames.put(featureKey(kind, bit), new String(name, 0, n, StandardCharsets.UTF_8));
                    }
                    break;
                case EXT_BITMAPS:
                    if (len < 24) {
                        throw error("bitmaps header extension of " + len + " bytes, expected at least 24");
                    }
                    hasBitmapsExtension = true;
                    bitmapsCount = Integer.toUnsignedLong(cluster.getInt(data));
                    bitmapDirectorySize = cluster.getLong(data + 8);
                    bitmapDirectoryOffset = cluster.getLong(data + 16);
                    break;
                case EXT_CRYPTO:
                    if (len >= 16) {
                        cryptoHeaderOffset = cluster.getLong(data);
                        cryptoHeaderLength = cluster.getLong(data + 8);
                    }
                    break;
                default:
                    break; // unknown extensions are ignored (and never rewritten: we only patch header fields)
            }
        }
    }
}
