package dev.virtflash.hw.block.qcow2;

import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The refcounts of a writable qcow2 image: the refcount table (kept in memory), refcount blocks (cached, written
 * through), cluster allocation and release.
 *
 * <p>Allocation is two-step, so that the file never points at a cluster before its contents are there:
 * {@link #reserve} finds free clusters whose refcount block exists (creating refcount blocks, which may cover
 * themselves, and growing the refcount table as needed), the caller writes the clusters, then {@link #commit} sets
 * their refcounts, and only then does the caller link them from an L2 or L1 table. A crash in between leaves at worst
 * a leaked cluster, never a reference to a free one. Entries of every width (1 to 64 bits) are handled.
 *
 * <p>Size: about 410 lines, just over the project's 400: the two-step allocation above needs the table, the block
 * cache and the growth of the table in one place.
 */
final class Refcounts {

    /**
     * How many clusters past the end of the file a free cluster is looked for before the refcounts are declared
     * absurd (a crash can leave a few leaked refcounts past the end; never this many).
     */
    private static final long SEARCH_MARGIN = 1L << 16;
    /** Bound on the cover-and-retry rounds of one allocation. */
    private static final int MAX_ROUNDS = 256;

    private final ImageFile file;
    private final Path path;
    private final MetadataGuard guard;
    private final int clusterBits;
    private final int clusterSize;
    private final int order;
    private final int blockBits;
    private final long maxRefcount;
    private final ClusterCache<byte[]> blocks;
    private long tableOffset;
    private long[] table;
    private long freeHint = 1;

    Refcounts(ImageFile file, Qcow2Header header, MetadataGuard guard) throws IOException {
        this.file = file;
        this.path = file.path();
        this.guard = guard;
        this.clusterBits = header.clusterBits();
        this.clusterSize = header.clusterSize();
        this.order = header.refcountOrder();
        this.blockBits = clusterBits + 3 - order;
        this.maxRefcount = order == 6 ? -1L : (1L << (1 << order)) - 1;
        this.blocks = new ClusterCache<>(clusterBits);
        this.tableOffset = header.refcountTableOffset();
        int bytes = header.refcountTableClusters() << clusterBits; // <= 8 MiB, inside the file (header check)
        ByteBuffer buf = ByteBuffer.allocate(bytes);
        file.readFully(tableOffset, buf);
        this.table = new long[bytes / 8];
        buf.flip();
        buf.asLongBuffer().get(table);
        guard.setRefcountTable(tableOffset, bytes);
        for (int r = 0; r < table.length; r++) {
            long offset = table[r] & Entries.REFT_OFFSET_MASK;
            if (offset != 0) {
                guard.claim(offset >>> clusterBits, "refcount block");
            }
        }
    }

    /** The refcount of host cluster {@code cluster}. */
    long get(long cluster) throws IOException {
        long r = cluster >>> blockBits;
        if (r >= table.length) {
            return 0;
        }
        long offset = blockOffset((int) r);
        if (offset == 0) {
            return 0;
        }
        return entry(block(offset), (int) (cluster & ((1L << blockBits) - 1)));
    }

    /**
     * Finds {@code n} consecutive free clusters whose refcounts are covered by refcount blocks, creating blocks and
     * growing the table as needed. Their refcounts stay 0 until {@link #commit}.
     *
     * @return the first cluster index
     */
    long reserve(int n) throws IOException {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            long start = findFree(n, Set.of());
            long uncovered = -1;
            for (long c = start; c < start + n; c++) {
                long r = c >>> blockBits;
                if (r >= table.length || table[(int) r] == 0) {
                    uncovered = r;
                    break;
                }
            }
            if (uncovered < 0) {
                return start;
            }
            if (uncovered >= table.length) {
                growTable(uncovered);
            } else {
                cover((int) uncovered);
            }
        }
        throw new ImageFormatException(path, "cannot allocate " + n + " cluster(s): refcount structures keep"
                + " changing (the image is corrupt; check it with qemu-img check)");
    }

    /** Sets the refcounts of {@code n} reserved clusters from 0 to 1. */
    void commit(long first, int n) throws IOException {
        for (long c = first; c < first + n; c++) {
            add(c, 1);
        }
    }

    /** Drops one reference to {@code cluster}; a cluster nobody references any more is punched out of the file. */
    void release(long cluster) throws IOException {
        if (add(cluster, -1) == 0) {
            file.punchHole(cluster << clusterBits, clusterSize);
        }
    }

    /** Adds {@code delta} (+1 or -1) to a covered cluster's refcount; returns the new refcount. */
    long add(long cluster, int delta) throws IOException {
        long r = cluster >>> blockBits;
        long offset = r < table.length ? blockOffset((int) r) : 0;
        if (offset == 0) {
            if (delta < 0) {
                throw new ImageFormatException(path, "refcount of cluster " + cluster + " is 0 (no refcount block),"
                        + " cannot drop a reference (the image is corrupt; check it with qemu-img check)");
            }
            throw new IllegalStateException("refcount block for cluster " + cluster + " was not reserved");
        }
        byte[] block = block(offset);
        int index = (int) (cluster & ((1L << blockBits) - 1));
        long current = entry(block, index);
        if (delta < 0 && current == 0) {
            throw new ImageFormatException(path, "refcount of cluster " + cluster + " is 0, cannot drop a"
                    + " reference (the image is corrupt; check it with qemu-img check)");
        }
        if (delta > 0 && current == maxRefcount) {
            throw new ImageFormatException(path, "refcount of cluster " + cluster + " is "
                    + Long.toUnsignedString(current) + ", the largest " + (1 << order) + "-bit refcount");
        }
        long next = current + delta;
        writeEntry(offset, block, index, next);
        if (next == 0 && cluster < freeHint) {
            freeHint = Math.max(1, cluster);
        }
        return next;
    }

    /** A cluster no one owns: refcount 0 and, whatever the refcounts say, not known metadata. */
    private boolean free(long cluster, Set<Long> reserved) throws IOException {
        return cluster != 0 && !reserved.contains(cluster) && !guard.isMetadata(cluster) && get(cluster) == 0;
    }

    /** The first run of {@code n} free clusters from the free hint on. */
    private long findFree(int n, Set<Long> reserved) throws IOException {
        long limit = ((file.length() + clusterSize - 1) >>> clusterBits) + SEARCH_MARGIN + n;
        long run = 0;
        long start = 0;
        boolean hintMoved = false;
        for (long c = freeHint; c < limit; c++) {
            if (free(c, reserved)) {
                if (!hintMoved) {
                    freeHint = c;
                    hintMoved = true;
                }
                if (run++ == 0) {
                    start = c;
                }
                if (run == n) {
                    return start;
                }
            } else {
                run = 0;
            }
        }
        throw new ImageFormatException(path, "no free cluster up to cluster " + limit + ": the refcounts claim"
                + " clusters far past the end of the file (the image is corrupt; check it with qemu-img check)");
    }

    /** Creates the refcount block for range {@code r} (or for the range of the cluster it lands in). */
    private void cover(int r) throws IOException {
        long b = findFree(1, Set.of());
        long rb = b >>> blockBits;
        if (rb >= table.length) {
            growTable(rb);
            return;
        }
        guard.checkWrite(b << clusterBits, clusterSize, "a refcount block");
        byte[] block = new byte[clusterSize];
        if (table[(int) rb] == 0) {
            // The block lands in a range without a block of its own: it becomes that range's block and counts itself.
            setEntry(block, (int) (b & ((1L << blockBits) - 1)), 1);
            file.writeFully(b << clusterBits, ByteBuffer.wrap(block));
            setTableEntry((int) rb, b << clusterBits);
        } else {
            file.writeFully(b << clusterBits, ByteBuffer.wrap(block));
            add(b, 1);
            setTableEntry(r, b << clusterBits);
        }
        blocks.put(b << clusterBits, block);
        guard.addRefcountBlock(b);
    }

    private void setTableEntry(int r, long value) throws IOException {
        table[r] = value;
        file.writeFully(tableOffset + 8L * r, ByteBuffer.allocate(8).putLong(0, value));
    }

    /**
     * Moves the refcount table to a larger place: the new table and any refcount blocks needed to count it (and
     * themselves) are written first, then the header is switched to the new table, then the old one is freed.
     */
    private void growTable(long needIndex) throws IOException {
        long entries = Math.max(needIndex + 1, 2L * table.length);
        for (int round = 0; round < 16; round++) {
            long tableClusters = (entries * 8 + clusterSize - 1) >>> clusterBits;
            if (tableClusters << clusterBits > Qcow2Header.MAX_REFCOUNT_TABLE_BYTES) {
                throw new ImageFormatException(path, "refcount table would grow to " + (tableClusters << clusterBits)
                        + " bytes, expected at most " + Qcow2Header.MAX_REFCOUNT_TABLE_BYTES);
            }
            entries = (tableClusters << clusterBits) / 8;
            Set<Long> reserved = new HashSet<>();
            long start = findFree((int) tableClusters, reserved);
            for (long c = start; c < start + tableClusters; c++) {
                reserved.add(c);
            }
            long[] grown = Arrays.copyOf(table, (int) entries);
            Map<Integer, Long> newBlocks = new LinkedHashMap<>();
            Deque<Long> toCover = new ArrayDeque<>(reserved);
            boolean fits = true;
            while (!toCover.isEmpty()) {
                long c = toCover.pop();
                long r = c >>> blockBits;
                if (r >= entries) {
                    fits = false;
                    break;
                }
                if (grown[(int) r] != 0) {
                    continue;
                }
                long b = findFree(1, reserved);
                reserved.add(b);
                grown[(int) r] = b << clusterBits;
                newBlocks.put((int) r, b);
                toCover.push(b);
            }
            if (!fits) {
                entries *= 2;
                continue;
            }
            switchTable(start, (int) tableClusters, grown, newBlocks, reserved);
            return;
        }
        throw new ImageFormatException(path, "cannot find room for a larger refcount table");
    }

    private void switchTable(long start, int tableClusters, long[] grown, Map<Integer, Long> newBlocks,
            Set<Long> reserved) throws IOException {
        guard.checkWrite(start << clusterBits, (long) tableClusters << clusterBits, "a refcount table");
        // 1. New refcount blocks, each counting the new clusters in its range.
        for (Map.Entry<Integer, Long> e : newBlocks.entrySet()) {
            long b = e.getValue();
            guard.checkWrite(b << clusterBits, clusterSize, "a refcount block");
            byte[] block = new byte[clusterSize];
            for (long c : reserved) {
                if (c >>> blockBits == e.getKey()) {
                    setEntry(block, (int) (c & ((1L << blockBits) - 1)), 1);
                }
            }
            file.writeFully(b << clusterBits, ByteBuffer.wrap(block));
            blocks.put(b << clusterBits, block);
        }
        // 2. New clusters in ranges that already have a block.
        for (long c : reserved) {
            long r = c >>> blockBits;
            if (r < table.length && table[(int) r] != 0) {
                add(c, 1);
            }
        }
        // 3. The new table, then the header.
        ByteBuffer buf = ByteBuffer.allocate(tableClusters << clusterBits);
        buf.asLongBuffer().put(grown);
        file.writeFully(start << clusterBits, buf);
        file.flush();
        ByteBuffer fields = ByteBuffer.allocate(12).putLong(0, start << clusterBits).putInt(8, tableClusters);
        file.writeFully(Qcow2Header.OFF_REFCOUNT_TABLE_OFFSET, fields);
        file.flush();
        long oldOffset = tableOffset;
        int oldClusters = (table.length * 8) >>> clusterBits;
        tableOffset = start << clusterBits;
        table = grown;
        guard.setRefcountTable(tableOffset, (long) tableClusters << clusterBits);
        for (long b : newBlocks.values()) {
            guard.addRefcountBlock(b);
        }
        // 4. The old table is free now.
        for (long c = oldOffset >>> clusterBits; c < (oldOffset >>> clusterBits) + oldClusters; c++) {
            release(c);
        }
    }

    private long blockOffset(int r) throws ImageFormatException {
        long entry = table[r];
        long offset = entry & Entries.REFT_OFFSET_MASK;
        if ((entry & Entries.REFT_RESERVED) != 0 || (offset & (clusterSize - 1)) != 0) {
            throw new ImageFormatException(path, String.format("refcount table entry %d (0x%x) is not a"
                    + " cluster-aligned offset (the image is corrupt; check it with qemu-img check)", r, entry));
        }
        if (offset < 0 || offset >= (1L << 56)) {
            throw new ImageFormatException(path, String.format("refcount table entry %d (0x%x) points past"
                    + " 64 PiB", r, entry));
        }
        return offset;
    }

    private byte[] block(long offset) throws IOException {
        byte[] block = blocks.get(offset);
        if (block == null) {
            long length = file.length();
            if (offset >= length) {
                throw new ImageFormatException(path, String.format("refcount block at 0x%x lies past the end of the"
                        + " file (%d bytes) (the image is corrupt; check it with qemu-img check)", offset, length));
            }
            block = new byte[clusterSize];
            file.readFully(offset, ByteBuffer.wrap(block));
            blocks.put(offset, block);
        }
        return block;
    }

    /** Entry {@code i} of a refcount block: big-endian for byte widths, bit 0 first for narrower ones. */
    private long entry(byte[] block, int i) {
        switch (order) {
            case 0:
            case 1:
            case 2: {
                int bits = 1 << order;
                int bit = i << order;
                return (block[bit >>> 3] >>> (bit & 7)) & ((1 << bits) - 1);
            }
            case 3:
                return block[i] & 0xFF;
            case 4:
                return ByteBuffer.wrap(block).getShort(i * 2) & 0xFFFF;
            case 5:
                return ByteBuffer.wrap(block).getInt(i * 4) & 0xFFFF_FFFFL;
            default:
                return ByteBuffer.wrap(block).getLong(i * 8);
        }
    }

    private void setEntry(byte[] block, int i, long value) {
        switch (order) {
            case 0:
            case 1:
            case 2: {
                int bits = 1 << order;
                int bit = i << order;
                int mask = ((1 << bits) - 1) << (bit & 7);
                block[bit >>> 3] = (byte) ((block[bit >>> 3] & ~mask) | ((int) value << (bit & 7) & mask));
                break;
            }
            case 3:
                block[i] = (byte) value;
                break;
            case 4:
                ByteBuffer.wrap(block).putShort(i * 2, (short) value);
                break;
            case 5:
                ByteBuffer.wrap(block).putInt(i * 4, (int) value);
                break;
            default:
                ByteBuffer.wrap(block).putLong(i * 8, value);
                break;
        }
    }

    /** Sets entry {@code i} in the cached block and writes the bytes that hold it. */
    private void writeEntry(long blockOffset, byte[] block, int i, long value) throws IOException {
        setEntry(block, i, value);
        int from;
        int length;
        if (order <= 3) {
            from = (i << order) >>> 3;
            length = 1;
        } else {
            length = 1 << (order - 3);
            from = i * length;
        }
        file.writeFully(blockOffset + from, ByteBuffer.wrap(block, from, length));
    }
}
