package dev.virtflash.memory;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * One copy of each page that guest RAM holds alike, for every board that uses this pool: what the kernel's KSM does
 * for QEMU's {@code mem-merge}, done by the boards themselves (no daemon, nothing to switch on in the host). Sixteen
 * boards that boot the same firmware fill their RAM with the same decompressed code and data; a {@link PageMerger}
 * puts each such page here once and maps it back into every board's RAM private and copy-on-write, so a board owns
 * only the pages it made different.
 *
 * <p>The pages live in a memory file ({@code memfd_create}, shmem): each distinct page is one slot of the file,
 * written once, then read by every mapping of it through the page cache. A slot is reference-counted by the pages
 * mapped to it and punched out of the file (its memory given back) when the last one is released. The pages are
 * nobody's anonymous memory: a process's {@code VmRSS} counts a slot once for each board that has it mapped and
 * touched it since, and not at all while none has, so {@link #bytes()} is what the pool itself holds, for reports to
 * add once.
 *
 * <p>There is no global instance: whoever creates boards holds one (the app one per process, a test one per class)
 * and passes it to their builders; a board built without one gets a pool of its own (its duplicate and zero pages
 * still merged). Thread-safe: boards on many threads merge into one pool. Closing it ends merging into it; the pages
 * already mapped stay valid (a mapping keeps the file alive).
 */
public final class SharedPages implements AutoCloseable {

    private static final long PAGE = Libc.PAGE_SIZE;
    /** The file's size: sparse, so only written slots cost memory; 2^28 pages. */
    private static final long FILE_SIZE = 1L << 40;

    /** The memory file; -1 if the kernel refused it (nothing is merged then). */
    private final int fd;
    /** The slot holding a page with this hash (a second page with the same hash and other bytes is not merged). */
    private final Map<Long, Integer> byHash = new HashMap<>();
    private long[] hashOf = new long[1024];
    private int[] references = new int[1024];
    /** Slots below {@link #end} with no reference, their memory punched out. */
    private final BitSet free = new BitSet();
    private int end;
    private int live;
    private boolean closed;

    /**
     * Creates an empty pool and its memory file (one descriptor, no memory until a page comes: made now so that a
     * board's descriptors do not change while it runs). If the kernel refuses the file, nothing is merged.
     */
    public SharedPages() {
        int f;
        try {
            f = Libc.memfd_create("virtflash.shared-pages", Libc.MFD_CLOEXEC);
            try {
                Libc.ftruncate(f, FILE_SIZE);
            } catch (LastErrorException e) {
                Libc.close(f);
                f = -1;
            }
        } catch (LastErrorException e) {
            f = -1;
        }
        this.fd = f;
    }

    /**
     * The slot whose bytes equal the page at {@code page} (a native address, 4 KiB), one reference more: an existing
     * slot with the same {@code hash} and the same bytes, or a new slot (preferably {@code preferred}, so that
     * consecutive pages land in consecutive slots and map as one run) written with a copy of the page.
     *
     * @param scratch a native 4 KiB buffer of the caller's, for reading a slot back
     * @return the slot, or -1 when the pool is closed, the hash belongs to other bytes, or the file cannot grow
     */
    synchronized int share(long page, long hash, Pointer scratch, int preferred) {
        if (closed || fd < 0) {
            return -1;
        }
        Integer known = byHash.get(hash);
        if (known != null) {
            int slot = known;
            if (!readSlot(slot, Pointer.nativeValue(scratch))) {
                return -1;
            }
            if (!scratch.getByteBuffer(0, PAGE).equals(new Pointer(page).getByteBuffer(0, PAGE))) {
                return -1;
            }
            references[slot]++;
            return slot;
        }
        int slot = allocate(preferred);
        try {
            if (Libc.pwrite(fd, page, PAGE, slot * PAGE) != PAGE) {
                free.set(slot);
                return -1;
            }
        } catch (LastErrorException e) {
            free.set(slot); // out of memory for shmem: the page stays the board's own
            return -1;
        }
        byHash.put(hash, slot);
        hashOf[slot] = hash;
        references[slot] = 1;
        live++;
        return slot;
    }

    private int allocate(int preferred) {
        if (preferred >= 0 && preferred < end && free.get(preferred)) {
            free.clear(preferred);
            return preferred;
        }
        if (preferred != end) {
            int reuse = free.nextSetBit(0);
            if (reuse >= 0) {
                free.clear(reuse);
                return reuse;
            }
        }
        if (end == hashOf.length) {
            hashOf = java.util.Arrays.copyOf(hashOf, end * 2);
            references = java.util.Arrays.copyOf(references, end * 2);
        }
        return end++;
    }

    /** Drops one reference to {@code slot}; the last gives its memory back. */
    synchronized void release(int slot) {
        if (--references[slot] > 0) {
            return;
        }
        byHash.remove(hashOf[slot], slot);
        free.set(slot);
        live--;
        if (!closed && fd >= 0) {
            try {
                Libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, slot * PAGE, PAGE);
            } catch (LastErrorException e) {
                // The page stays in the file until the last mapping goes; nothing reads a free slot.
            }
        }
    }

    /**
     * Maps {@code pages} slots from {@code firstSlot} over {@code memory} at {@code offset}, copy-on-write (see
     * {@link HostMemory#mapCopyOnWrite}); under the pool's lock, so never with the descriptor of a closed pool (which
     * the process may have reused for another file). If the kernel refuses, the range is made anonymous memory again
     * holding the slots' bytes: a refused {@code MAP_FIXED} may have unmapped it.
     *
     * @return whether the pages are mapped from the pool (false: closed, or refused and put back)
     * @throws IllegalStateException if the range cannot be put back: it may be unmapped, the guest must not run on
     */
    synchronized boolean mapInto(HostMemory memory, long offset, int pages, int firstSlot) {
        if (closed || fd < 0) {
            return false;
        }
        long length = pages * PAGE;
        if (memory.mapCopyOnWrite(offset, length, fd, firstSlot * PAGE)) {
            return true;
        }
        memory.remapAnonymous(offset, length);
        for (int i = 0; i < pages; i++) {
            if (!readSlot(firstSlot + i, memory.address() + offset + i * PAGE)) {
                throw new IllegalStateException("cannot read back a page of guest RAM from slot " + (firstSlot + i));
            }
        }
        return false;
    }

    /** Copies the bytes of {@code slot} to the native address {@code to}; false if the file would not give them. */
    private boolean readSlot(int slot, long to) {
        try {
            return Libc.pread(fd, to, PAGE, slot * PAGE) == PAGE;
        } catch (LastErrorException e) {
            return false;
        }
    }

    /** Bytes of the distinct pages the pool holds: memory counted once, whoever maps it. */
    public synchronized long bytes() {
        return live * PAGE;
    }

    /** Ends merging into this pool and closes its file; pages mapped from it stay. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (fd >= 0) {
                Libc.close(fd);
            }
        }
    }
}
