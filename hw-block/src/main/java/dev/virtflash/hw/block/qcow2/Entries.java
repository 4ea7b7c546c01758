package dev.virtflash.hw.block.qcow2;

/**
 * Bit layouts of L1, L2 and refcount table entries (qcow2 spec, "Cluster mapping" and "Host cluster management"),
 * and the classification of an L2 entry into QEMU's cluster types.
 */
final class Entries {

    /** Bit 63 of L1/L2 entries: the refcount is exactly one, so the cluster may be written in place. */
    static final long COPIED = 1L << 63;
    /** Bit 62 of L2 entries: a compressed cluster. */
    static final long COMPRESSED = 1L << 62;
    /** Bit 0 of a standard L2 entry (version 3): the cluster reads as zeros. */
    static final long ZERO = 1L;
    /** Bits 9-55: a host offset in an L1 or standard L2 entry. */
    static final long OFFSET_MASK = 0x00FF_FFFF_FFFF_FE00L;
    /** Reserved bits of an L1 entry (0-8 and 56-62). */
    static final long L1_RESERVED = 0x7F00_0000_0000_01FFL;
    /** Reserved bits of a standard L2 entry (1-8 and 56-61). */
    static final long L2_STD_RESERVED = 0x3F00_0000_0000_01FEL;
    /** Bits 9-63 of a refcount table entry: the refcount block's offset. */
    static final long REFT_OFFSET_MASK = 0xFFFF_FFFF_FFFF_FE00L;
    /** Reserved bits 0-8 of a refcount table entry. */
    static final long REFT_RESERVED = 0x1FFL;

    /** What an L2 entry says about its guest cluster (QEMU's {@code QCow2ClusterType}). */
    enum Type {
        /** Not allocated: the backing file, or zeros without one. */
        UNALLOCATED,
        /** Reads as zeros, no host cluster. */
        ZERO_PLAIN,
        /** Reads as zeros, a host cluster is kept (preallocated). */
        ZERO_ALLOC,
        /** Data in a host cluster. */
        NORMAL,
        /** Deflate-compressed data, not cluster aligned. */
        COMPRESSED
    }

    private Entries() {
    }

    static Type type(long l2Entry) {
        if ((l2Entry & COMPRESSED) != 0) {
            return Type.COMPRESSED;
        }
        boolean allocated = (l2Entry & OFFSET_MASK) != 0;
        if ((l2Entry & ZERO) != 0) {
            return allocated ? Type.ZERO_ALLOC : Type.ZERO_PLAIN;
        }
        return allocated ? Type.NORMAL : Type.UNALLOCATED;
    }

    /** Bit position where the sector count of a compressed descriptor starts: {@code 62 - (clusterBits - 8)}. */
    static int compressedShift(int clusterBits) {
        return 62 - (clusterBits - 8);
    }

    /** The host offset of a compressed cluster's data (not aligned). */
    static long compressedOffset(long l2Entry, int clusterBits) {
        return l2Entry & ((1L << compressedShift(clusterBits)) - 1);
    }

    /** 512-byte sectors holding a compressed cluster's data, counted from the sector that holds its first byte. */
    static long compressedSectors(long l2Entry, int clusterBits) {
        return ((l2Entry >>> compressedShift(clusterBits)) & ((1L << (clusterBits - 8)) - 1)) + 1;
    }

    /** Bytes of compressed data from {@link #compressedOffset} to the end of its last sector. */
    static long compressedBytes(long l2Entry, int clusterBits) {
        return compressedSectors(l2Entry, clusterBits) * 512 - (compressedOffset(l2Entry, clusterBits) & 511);
    }
}
