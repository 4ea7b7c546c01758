package dev.virtflash.hw.block;

import java.nio.file.Path;

/**
 * One run of an image as {@code qemu-img map} describes it: which layer of the backing chain decides the bytes and
 * where they are stored. It is what the {@code virt img map} tool prints; the loader needs only {@link BlockStatus}.
 *
 * @param offset     first byte of the run (virtual offset)
 * @param length     bytes in the run, {@code > 0}
 * @param depth      the layer that decides the bytes: 0 is the image itself, 1 its backing file, and so on
 * @param present    whether that layer allocates the run (QEMU's {@code BDRV_BLOCK_ALLOCATED}); {@code false} for
 *                   zeros that come from no layer (unallocated with nothing, or nothing that long, below)
 * @param zero       the run reads as zero (a hole, a zero cluster, unallocated with nothing below)
 * @param data       the run is stored data (QEMU's {@code BDRV_BLOCK_DATA}); it may still be zero
 * @param hostOffset where the run's first byte is stored in {@code file}, or {@code -1} when there is no such place
 *                   (unallocated, a zero cluster without a host cluster, a compressed cluster)
 * @param file       the host file that holds {@code hostOffset}, or {@code null} exactly when it is {@code -1}
 * @param compressed the run is a compressed cluster (QEMU 8.1 prints it; 7.2 does not)
 */
public record Mapping(long offset, long length, int depth, boolean present, boolean zero, boolean data,
        long hostOffset, Path file, boolean compressed) {

    public Mapping {
        if (offset < 0 || length <= 0 || depth < 0) {
            throw new IllegalArgumentException("mapping at " + offset + " of length " + length + " depth " + depth);
        }
        if ((hostOffset < 0) != (file == null) || hostOffset < -1) {
            throw new IllegalArgumentException("mapping at " + offset + ": host offset " + hostOffset
                    + " with file " + file + ", expected both or neither");
        }
    }

    /** The mapping {@code BlockBackend#mapping}'s default derives from a block status: depth 0, no host offset. */
    public static Mapping of(BlockStatus status) {
        BlockStatus.Kind kind = status.kind();
        return new Mapping(status.offset(), status.length(), 0, kind != BlockStatus.Kind.UNKNOWN,
                kind == BlockStatus.Kind.ZERO, kind == BlockStatus.Kind.DATA, -1, null, false);
    }

    /** The first byte after the run. */
    public long end() {
        return offset + length;
    }

    /** Whether a host offset is known ({@code "offset"} in qemu-img's JSON). */
    public boolean hasHostOffset() {
        return hostOffset >= 0;
    }

    /** This run moved {@code levels} layers down the chain (what an overlay returns for its backing file's runs). */
    public Mapping deeper(int levels) {
        return new Mapping(offset, length, depth + levels, present, zero, data, hostOffset, file, compressed);
    }

    /** This run cut to at most {@code max} bytes (the host offset stays at the first byte). */
    public Mapping limit(long max) {
        return length <= max ? this
                : new Mapping(offset, max, depth, present, zero, data, hostOffset, file, compressed);
    }

    /**
     * Whether {@code next}, which starts where this run ends, continues it: same layer, flags and file, and host
     * offsets that continue too. This is qemu-img's rule for printing adjacent runs as one.
     */
    public boolean continuedBy(Mapping next) {
        if (next.offset != end() || next.depth != depth || next.present != present || next.zero != zero
                || next.data != data || next.compressed != compressed || next.hasHostOffset() != hasHostOffset()) {
            return false;
        }
        return !hasHostOffset() || (file.equals(next.file) && hostOffset + length == next.hostOffset);
    }

    /** This run followed by {@code next}, for which {@link #continuedBy} holds. */
    public Mapping merge(Mapping next) {
        return new Mapping(offset, length + next.length, depth, present, zero, data, hostOffset, file, compressed);
    }
}
