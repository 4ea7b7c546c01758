package dev.virtflash.virt.cpu;

import java.util.HashSet;
import java.util.Set;

/**
 * The blocks (level 1 or 2 descriptors: 2 MiB, 1 GiB, 32 MiB, 512 MiB) whose translations went into the engine's TLB
 * since it was last dropped whole: a TLBI by address inside one of them must drop the whole block's entries, which
 * the engine can only do by dropping everything. Past {@link #LIMIT} blocks it answers "maybe" for every address, so
 * that it stays small. A set of the blocks' bases, with the last one added remembered: the TLB-fill hook adds the
 * same block for page after page.
 */
final class BlockEntries {

    /** More blocks than this and every address counts as maybe covered (the TLB is then dropped whole). */
    static final int LIMIT = 4096;

    /** {@code base | log2(size)}: a block's base is aligned to at least 2 MiB, so its low bits are free. */
    private final Set<Long> keys = new HashSet<>();
    /** Bit n set: a block of 2^n bytes is in {@link #keys}. */
    private long sizes;
    private long lastKey = -1;
    private boolean overflow;

    /** A fill from a block descriptor at {@code level} translated {@code va}. */
    void add(long va, PageTableWalker.Registers regs, int level) {
        int granule = PageTableWalker.granuleBits(regs, va);
        int bits = granule + (granule - 3) * (3 - level);
        long key = (va & -(1L << bits)) | bits;
        if (key == lastKey || overflow) {
            return;
        }
        lastKey = key;
        if (keys.size() >= LIMIT) {
            overflow = true;
            return;
        }
        keys.add(key);
        sizes |= 1L << bits;
    }

    /** Whether a TLB entry for {@code va} may have come from a block. */
    boolean mayCover(long va) {
        if (overflow) {
            return true;
        }
        for (long s = sizes; s != 0; s &= s - 1) {
            int bits = Long.numberOfTrailingZeros(s);
            if (keys.contains((va & -(1L << bits)) | bits)) {
                return true;
            }
        }
        return false;
    }

    /** The TLB was dropped whole: no block entry is left. */
    void clear() {
        keys.clear();
        sizes = 0;
        lastKey = -1;
        overflow = false;
    }
}
