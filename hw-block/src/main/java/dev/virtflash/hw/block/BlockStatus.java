package dev.virtflash.hw.block;

import java.util.Objects;

/**
 * A run of bytes of an image's guest-visible contents that share one status: QEMU's {@code BDRV_BLOCK_*} idea, cut
 * down to what a loader needs.
 *
 * @param offset first byte of the run (virtual offset)
 * @param length bytes in the run, {@code > 0}
 * @param kind   what is known of them
 */
public record BlockStatus(long offset, long length, Kind kind) {

    /** What is known of a run. */
    public enum Kind {
        /** Bytes are stored; they may still be zero. */
        DATA,
        /** The bytes read as zero (a hole, a zero cluster, an unallocated cluster with nothing below it). */
        ZERO,
        /** Not known without reading (e.g. unallocated in an overlay: the backing chain decides). */
        UNKNOWN
    }

    public BlockStatus {
        Objects.requireNonNull(kind, "kind");
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("block status run at " + offset + " of length " + length);
        }
    }

    /** The first byte after the run. */
    public long end() {
        return offset + length;
    }
}
