package dev.virtflash.hw.block.qcow2;

import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Checks a qcow2 image the way {@code qemu-img check} (QEMU's {@code qcow2_check_refcounts}) does, without repairing
 * anything: it rebuilds the reference count of every host cluster from the header, the active L1 and L2 tables, the
 * snapshots' tables, the snapshot table, the refcount table and blocks, the encryption header and the bitmap tables,
 * and compares it with the stored refcounts (lower: an error, higher: a leak); it checks table entries (alignment,
 * reserved bits, inside the file) and the {@code OFLAG_COPIED} flags. Counts and messages follow QEMU's, so the
 * verdict can be compared with {@code qemu-img check}.
 *
 * <p>Opens the image read-only (a shared lock). An image that cannot be opened at all (broken header, unsupported
 * layout) is an {@link ImageFormatException}, as {@code qemu-img check} fails to open it.
 *
 * <p>Size: about 470 lines, over the project's 400, on purpose: it is one pass that rebuilds one refcount map from
 * every metadata structure, in QEMU's order so that counts and messages match {@code qemu-img check}.
 */
public final class Qcow2Checker {

    /** More host clusters than this is not checked (QEMU refuses above INT_MAX too). */
    private static final long MAX_CLUSTERS = Integer.MAX_VALUE - 8;
    /** QEMU's limit on the extra data of a snapshot table entry. */
    private static final int MAX_SNAPSHOT_EXTRA = 1024;
    /** QEMU's limit on the whole snapshot table. */
    private static final long MAX_SNAPSHOT_TABLE = 64L << 20;
    /** QEMU's limit on the bitmap directory. */
    private static final long MAX_BITMAP_DIRECTORY = 64L << 20;
    /** Bits 9-55 of a bitmap table entry. */
    private static final long BITMAP_OFFSET_MASK = 0x00FF_FFFF_FFFF_FE00L;

    private final ImageFile file;
    private final Qcow2Header header;
    private final int clusterBits;
    private final long clusterSize;
    private final long fileLength;
    private final long refcountMax;
    private final List<String> messages = new ArrayList<>();
    private final long[] refcountTable;
    private long[] computed = new long[0];
    private long nbClusters;
    private long corruptions;
    private long leaks;
    private long checkErrors;
    private long allocated;
    private long fragmented;
    private long compressed;
    private long cachedBlockOffset = -1;
    /** Set by {@link #storedRefcount} when the refcount block could not be used. */
    private boolean unreadable;
    private byte[] cachedBlock;

    private Qcow2Checker(ImageFile file, Qcow2Header header) throws IOException {
        this.file = file;
        this.header = header;
        this.clusterBits = header.clusterBits();
        this.clusterSize = header.clusterSize();
        this.fileLength = file.length();
        this.refcountMax = header.refcountOrder() == 6 ? -1L : (1L << header.refcountBits()) - 1;
        ByteBuffer buf = ByteBuffer.allocate(header.refcountTableClusters() << clusterBits);
        file.readFully(header.refcountTableOffset(), buf);
        this.refcountTable = new long[buf.capacity() / 8];
        buf.flip();
        buf.asLongBuffer().get(refcountTable);
    }

    /** Checks the image at {@code path}. */
    public static Qcow2CheckReport check(Path path) throws IOException {
        try (ImageFile file = ImageFile.open(path, true)) {
            return check(file);
        }
    }

    /** Checks an open image file (not closed here). */
    public static Qcow2CheckReport check(ImageFile file) throws IOException {
        Qcow2Header header = Qcow2Header.read(file);
        long unknown = header.incompatibleFeatures() & ~Qcow2Header.INCOMPAT_KNOWN;
        if (unknown != 0) {
            throw new ImageFormatException(file.path(), "unknown incompatible feature bit "
                    + Long.numberOfTrailingZeros(unknown) + " is not supported");
        }
        if ((header.incompatibleFeatures() & Qcow2Header.INCOMPAT_EXTL2) != 0) {
            throw new ImageFormatException(file.path(), "extended L2 entries (incompatible feature bit 4) are not"
                    + " supported");
        }
        if ((header.incompatibleFeatures() & Qcow2Header.INCOMPAT_DATA_FILE) != 0) {
            throw new ImageFormatException(file.path(), "external data file (incompatible feature bit 2) is not"
                    + " supported");
        }
        return new Qcow2Checker(file, header).run();
    }

    private Qcow2CheckReport run() throws IOException {
        nbClusters = (fileLength + clusterSize - 1) >>> clusterBits;
        if (nbClusters > MAX_CLUSTERS) {
            throw new ImageFormatException(file.path(), "file of " + fileLength + " bytes has " + nbClusters
                    + " clusters, expected at most " + MAX_CLUSTERS + " for a check");
        }
        computed = new long[(int) nbClusters];
        long totalClusters = (header.virtualSize() + clusterSize - 1) >>> clusterBits;

        inc(0, clusterSize); // the header
        long[] activeL1 = readL1(header.l1TableOffset(), header.l1Size());
        checkL1(header.l1TableOffset(), header.l1Size(), activeL1, true);
        checkSnapshots();
        inc(header.refcountTableOffset(), (long) refcountTable.length * 8);
        if (header.cryptoHeaderLength() != 0) {
            inc(header.cryptoHeaderOffset(), header.cryptoHeaderLength());
        }
        checkBitmaps();
        checkRefcountBlocks();
        long highest = compareRefcounts();
        checkCopiedFlags(activeL1);
        return new Qcow2CheckReport(file.path(), corruptions, leaks, checkErrors, totalClusters, allocated,
                fragmented, compressed, (highest + 1) * clusterSize, messages);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Building the expected refcounts

    /** Counts one reference to every cluster of {@code [offset, offset + size)}. */
    private void inc(long offset, long size) {
        if (size <= 0) {
            return;
        }
        if (offset < 0 || offset > Long.MAX_VALUE - size || offset + size - fileLength >= clusterSize) {
            messages.add(String.format("ERROR: counting reference for region exceeding the end of the file by one"
                    + " cluster or more: offset 0x%x size 0x%x", offset, size));
            corruptions++;
            return;
        }
        long first = offset >>> clusterBits;
        long last = (offset + size - 1) >>> clusterBits;
        if (last >= computed.length) {
            computed = Arrays.copyOf(computed, (int) last + 1);
            nbClusters = Math.max(nbClusters, last + 1);
        }
        for (long k = first; k <= last; k++) {
            if (computed[(int) k] == refcountMax) {
                messages.add(String.format("ERROR: overflow cluster offset=0x%x", k << clusterBits));
                corruptions++;
                continue;
            }
            computed[(int) k]++;
        }
    }

    private long[] readL1(long offset, long entries) throws IOException {
        if (entries <= 0 || offset < 0 || offset > fileLength || entries * 8 > fileLength - offset + clusterSize) {
            return new long[0];
        }
        ByteBuffer buf = ByteBuffer.allocate((int) (entries * 8));
        file.readFully(offset, buf);
        long[] l1 = new long[(int) entries];
        buf.flip();
        buf.asLongBuffer().get(l1);
        return l1;
    }

    private void checkL1(long offset, int size, long[] l1, boolean active) throws IOException {
        if (size == 0) {
            return;
        }
        inc(offset, (long) size * 8);
        for (long entry : l1) {
            if (entry == 0) {
                continue;
            }
            if ((entry & Entries.L1_RESERVED) != 0) {
                messages.add(String.format("ERROR found L1 entry with reserved bits set: %x", entry));
                corruptions++;
            }
            long l2Offset = entry & Entries.OFFSET_MASK;
            inc(l2Offset, clusterSize);
            if ((l2Offset & (clusterSize - 1)) != 0) {
                messages.add(String.format("ERROR l2_offset=%x: Table is not cluster aligned; L1 entry corrupted",
                        l2Offset));
                corruptions++;
            }
            checkL2(l2Offset, active);
        }
    }

    private long[] readTable(long offset) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) clusterSize);
        file.readFully(offset, buf);
        long[] table = new long[(int) (clusterSize / 8)];
        buf.flip();
        buf.asLongBuffer().get(table);
        return table;
    }

    private void checkL2(long l2Offset, boolean active) throws IOException {
        long[] table = readTable(l2Offset);
        long nextContiguous = 0;
        for (long entry : table) {
            Entries.Type type = Entries.type(entry);
            if (type != Entries.Type.COMPRESSED && (entry & Entries.L2_STD_RESERVED) != 0) {
                messages.add(String.format("ERROR found l2 entry with reserved bits set: %x", entry));
                corruptions++;
            }
            switch (type) {
                case COMPRESSED: {
                    long e = entry;
                    if ((e & Entries.COPIED) != 0) {
                        messages.add(String.format("ERROR: coffset=0x%x: copied flag must never be set for compressed"
                                + " clusters", Entries.compressedOffset(e, clusterBits)));
                        e &= ~Entries.COPIED;
                        corruptions++;
                    }
                    inc(Entries.compressedOffset(e, clusterBits), Entries.compressedBytes(e, clusterBits));
                    if (active) {
                        allocated++;
                        compressed++;
                        fragmented++;
                    }
                    break;
                }
                case ZERO_ALLOC:
                case NORMAL: {
                    long offset = entry & Entries.OFFSET_MASK;
                    if ((offset & (clusterSize - 1)) != 0) {
                        corruptions++;
                        messages.add(String.format(type == Entries.Type.ZERO_ALLOC
                                ? "ERROR offset=%x: Preallocated cluster is not properly aligned; L2 entry corrupted."
                                : "ERROR offset=%x: Data cluster is not properly aligned; L2 entry corrupted.",
                                offset));
                    }
                    if (active) {
                        allocated++;
                        if (nextContiguous != 0 && offset != nextContiguous) {
                            fragmented++;
                        }
                        nextContiguous = offset + clusterSize;
                    }
                    inc(offset, clusterSize);
                    break;
                }
                default:
                    break;
            }
        }
    }

    private void checkSnapshots() throws IOException {
        int count = header.snapshotCount();
        if (count == 0) {
            return;
        }
        long at = header.snapshotsOffset();
        long start = at;
        for (int i = 0; i < count; i++) {
            if (at - start > MAX_SNAPSHOT_TABLE || at > fileLength - 40) {
                throw new ImageFormatException(file.path(), "snapshot table entry " + i + " at " + at + " lies past"
                        + " the end of the file or the snapshot table limit");
            }
            ByteBuffer fixed = ByteBuffer.allocate(40);
            file.readFully(at, fixed);
            long l1Offset = fixed.getLong(0);
            long l1Size = Integer.toUnsignedLong(fixed.getInt(8));
            int idLength = fixed.getShort(12) & 0xFFFF;
            int nameLength = fixed.getShort(14) & 0xFFFF;
            long extra = Integer.toUnsignedLong(fixed.getInt(36));
            if (extra > MAX_SNAPSHOT_EXTRA) {
                throw new ImageFormatException(file.path(), "snapshot " + i + " has " + extra + " bytes of extra"
                        + " data, expected at most " + MAX_SNAPSHOT_EXTRA);
            }
            ByteBuffer names = ByteBuffer.allocate(idLength + nameLength);
            file.readFully(at + 40 + extra, names);
            String id = new String(names.array(), 0, idLength, java.nio.charset.StandardCharsets.UTF_8);
            String name = new String(names.array(), idLength, nameLength, java.nio.charset.StandardCharsets.UTF_8);
            at += (40 + extra + idLength + nameLength + 7) & ~7L;
            if ((l1Offset & (clusterSize - 1)) != 0) {
                messages.add(String.format("ERROR snapshot %s (%s) l1_offset=%#x: L1 table is not cluster aligned;"
                        + " snapshot table entry corrupted", id, name, l1Offset));
                corruptions++;
                continue;
            }
            if (l1Size > Qcow2Header.MAX_L1_BYTES / 8) {
                messages.add(String.format("ERROR snapshot %s (%s) l1_size=%#x: L1 table is too large; snapshot"
                        + " table entry corrupted", id, name, l1Size));
                corruptions++;
                continue;
            }
            checkL1(l1Offset, (int) l1Size, readL1(l1Offset, l1Size), false);
        }
        inc(start, at - start);
    }

    private void checkBitmaps() throws IOException {
        if (!header.hasBitmapsExtension() || (header.autoclearFeatures() & Qcow2Header.AUTOCLEAR_BITMAPS) == 0) {
            return;
        }
        long dirOffset = header.bitmapDirectoryOffset();
        long dirSize = header.bitmapDirectorySize();
        if (dirSize < 0 || dirSize > MAX_BITMAP_DIRECTORY || dirOffset < 0 || dirOffset > fileLength - dirSize) {
            throw new ImageFormatException(file.path(), String.format("bitmap directory at 0x%x (%d bytes) lies"
                    + " outside the file", dirOffset, dirSize));
        }
        inc(dirOffset, dirSize);
        ByteBuffer dir = ByteBuffer.allocate((int) dirSize);
        file.readFully(dirOffset, dir);
        int at = 0;
        for (long i = 0; i < header.bitmapsCount() && at + 24 <= dirSize; i++) {
            long tableOffset = dir.getLong(at);
            long tableSize = Integer.toUnsignedLong(dir.getInt(at + 8));
            int nameSize = dir.getShort(at + 18) & 0xFFFF;
            long extra = Integer.toUnsignedLong(dir.getInt(at + 20));
            if (extra > dirSize) {
                break;
            }
            at += (int) ((24 + extra + nameSize + 7) & ~7L);
            inc(tableOffset, tableSize * 8);
            if (tableOffset < 0 || tableSize * 8 > fileLength || tableOffset > fileLength - tableSize * 8) {
                continue;
            }
            ByteBuffer table = ByteBuffer.allocate((int) (tableSize * 8));
            file.readFully(tableOffset, table);
            for (int e = 0; e < tableSize; e++) {
                long offset = table.getLong(e * 8) & BITMAP_OFFSET_MASK;
                if (offset != 0) {
                    inc(offset, clusterSize);
                }
            }
        }
    }

    private void checkRefcountBlocks() {
        for (int i = 0; i < refcountTable.length; i++) {
            long entry = refcountTable[i];
            long offset = entry & Entries.REFT_OFFSET_MASK;
            long cluster = offset >>> clusterBits;
            if ((entry & Entries.REFT_RESERVED) != 0) {
                messages.add(String.format("ERROR refcount table entry %d has reserved bits set", i));
                corruptions++;
                continue;
            }
            if ((offset & (clusterSize - 1)) != 0) {
                messages.add(String.format("ERROR refcount block %d is not cluster aligned; refcount table entry"
                        + " corrupted", i));
                corruptions++;
                continue;
            }
            if (cluster >= nbClusters) {
                messages.add(String.format("ERROR refcount block %d is outside image", i));
                corruptions++;
                continue;
            }
            if (offset != 0) {
                inc(offset, clusterSize);
                if (computed[(int) cluster] != 1) {
                    messages.add(String.format("ERROR refcount block %d refcount=%s", i,
                            Long.toUnsignedString(computed[(int) cluster])));
                    corruptions++;
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Comparing with the stored refcounts

    /** The stored refcount of a cluster; sets {@link #unreadable} (and reports it) when it cannot be read. */
    private long storedRefcount(long cluster, boolean report) throws IOException {
        unreadable = false;
        long blockBits = clusterBits + 3 - header.refcountOrder();
        long r = cluster >>> blockBits;
        if (r >= refcountTable.length) {
            return 0;
        }
        long offset = refcountTable[(int) r] & Entries.REFT_OFFSET_MASK;
        if (offset == 0) {
            return 0;
        }
        if ((offset & (clusterSize - 1)) != 0) {
            if (report) {
                messages.add(String.format("Can't get refcount for cluster %d: Input/output error", cluster));
                checkErrors++;
            }
            unreadable = true;
            return 0;
        }
        if (offset != cachedBlockOffset) {
            cachedBlock = new byte[(int) clusterSize];
            file.readFully(offset, ByteBuffer.wrap(cachedBlock));
            cachedBlockOffset = offset;
        }
        int index = (int) (cluster & ((1L << blockBits) - 1));
        int order = header.refcountOrder();
        ByteBuffer b = ByteBuffer.wrap(cachedBlock);
        switch (order) {
            case 0:
            case 1:
            case 2: {
                int bit = index << order;
                return (cachedBlock[bit >>> 3] >>> (bit & 7)) & ((1 << (1 << order)) - 1);
            }
            case 3:
                return cachedBlock[index] & 0xFF;
            case 4:
                return b.getShort(index * 2) & 0xFFFF;
            case 5:
                return b.getInt(index * 4) & 0xFFFF_FFFFL;
            default:
                return b.getLong(index * 8);
        }
    }

    private long compareRefcounts() throws IOException {
        long highest = 0;
        for (long i = 0; i < nbClusters; i++) {
            long stored = storedRefcount(i, true);
            if (unreadable) {
                continue;
            }
            long expected = i < computed.length ? computed[(int) i] : 0;
            if (stored != 0 || expected != 0) {
                highest = i;
            }
            if (stored != expected) {
                boolean error = Long.compareUnsigned(stored, expected) < 0;
                messages.add(String.format("%s cluster %d refcount=%s reference=%d", error ? "ERROR" : "Leaked", i,
                        Long.toUnsignedString(stored), expected));
                if (error) {
                    corruptions++;
                } else {
                    leaks++;
                }
            }
        }
        return highest;
    }

    private void checkCopiedFlags(long[] activeL1) throws IOException {
        for (int i = 0; i < activeL1.length; i++) {
            long l1Entry = activeL1[i];
            long l2Offset = l1Entry & Entries.OFFSET_MASK;
            if (l2Offset == 0) {
                continue;
            }
            long refcount = storedRefcount(l2Offset >>> clusterBits, false);
            if (!unreadable) {
                if ((refcount == 1) != ((l1Entry & Entries.COPIED) != 0)) {
                    corruptions++;
                    messages.add(String.format("ERROR OFLAG_COPIED L2 cluster: l1_index=%d l1_entry=%x refcount=%s",
                            i, l1Entry, Long.toUnsignedString(refcount)));
                }
            }
            for (long entry : readTable(l2Offset)) {
                Entries.Type type = Entries.type(entry);
                if (type != Entries.Type.NORMAL && type != Entries.Type.ZERO_ALLOC) {
                    continue;
                }
                long data = storedRefcount((entry & Entries.OFFSET_MASK) >>> clusterBits, false);
                if (unreadable) {
                    continue;
                }
                if ((data == 1) != ((entry & Entries.COPIED) != 0)) {
                    corruptions++;
                    messages.add(String.format("ERROR OFLAG_COPIED data cluster: l2_entry=%x refcount=%s", entry,
                            Long.toUnsignedString(data)));
                }
            }
        }
    }
}
