package dev.virtflash.memory;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * The only owner of a block of native memory that backs guest memory (RAM, flash storage).
 *
 * <p>The bytes are an anonymous private mapping with {@code MAP_NORESERVE} and {@code MADV_NOHUGEPAGE}, zero on
 * creation: a page costs resident memory only once something non-zero is written to it, and residency stays 4 KiB
 * granular (this machine's transparent huge pages are in {@code madvise} mode). The mapping sits between two
 * inaccessible guard pages, which catch native overruns and keep the kernel from merging it with a neighbour (so
 * {@link Residency} can measure it alone).
 *
 * <p><b>Which pages hold data.</b> On a kernel without a shared zero page (this project's hosts boot with
 * {@code pvm_no_zero_page=1}), <em>reading</em> an untouched page allocates it as surely as writing does. So a memory
 * made by {@link #allocate} keeps one bit per page saying whether something wrote it through this class (a store, a
 * write, a fill, {@link #populate}; {@link #discard} clears it), and never touches a page whose bit is clear: loads,
 * reads and {@link #isZero} answer zeros for it from the bit alone. Such a memory costs exactly the pages written,
 * whatever is read, and {@link #holdsData} tells a CPU binding which pages it may map by pointer. This holds only
 * while every write comes through this class: a CPU binding maps it without write permission and hands stores to the
 * device that owns it (a flash bank). Memory the CPU writes directly (RAM) is made by {@link #allocateCpuWritable}:
 * no bits are kept, every page counts as holding data, and reads read.
 *
 * <p><b>Read-only memory shared between boards.</b> {@link #mapFile} puts the pages of a file (a raw firmware image)
 * in place of some of the anonymous pages, mapped read-only and private straight from the page cache: every board
 * and every process that maps the same file shares one copy of each page, and none of it is anonymous memory the
 * process owns. {@link #seal()} then makes the whole memory read-only (the holes too: they stay untouched), and every
 * mutator throws {@link IllegalStateException} instead of faulting on a read-only page. {@link #mapFileCopyOnWrite}
 * maps a blob that a guest may change ({@code -bios}) the same way: a page written through this class becomes a
 * private copy of that page alone.
 *
 * <p>Every access is bounds-checked; values are little-endian. The raw {@link #address()} exists for the CPU binding
 * only. Any use after {@link #close()} throws {@link IllegalStateException}; closing twice is harmless. Accesses are
 * not synchronised: one thread (a machine's CPU thread) uses a memory at a time, and it must not be closed while in
 * use.
 *
 * <p>Size: about 530 lines, over the project's 400, on purpose: it is the one owner of native guest bytes, and each
 * access (load, store, read, write, fill, populate, discard, isZero) must consult the written-page record and the
 * sealed flag itself, so that no caller can reach a page nothing wrote or write a shared one; half of the class is
 * those accesses' Javadoc.
 */
public final class HostMemory implements AutoCloseable {

    private static final long PAGE = Libc.PAGE_SIZE;
    private static final boolean HOST_LE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private static final int ZERO_CHUNK = 64 * 1024;

    private final String name;
    private final long size;
    private final long mappingBase;
    private final long mappingLength;
    private final long address;
    private final Pointer pointer;
    /** The pages written through this class, or null when the CPU writes the memory directly. */
    private final PageBitmap written;
    /** Whether a file was ever mapped here: {@link #discard} must then replace pages, not drop them. */
    private boolean fileMapped;
    /** Set by {@link #seal()}: the whole memory is read-only, every mutator throws. */
    private volatile boolean sealed;
    private volatile boolean closed;

    private HostMemory(String name, long size, long mappingBase, long mappingLength, boolean trackWrites) {
        this.name = name;
        this.size = size;
        this.mappingBase = mappingBase;
        this.mappingLength = mappingLength;
        this.address = mappingBase + PAGE;
        this.pointer = new Pointer(address);
        this.written = trackWrites ? new PageBitmap((size + PAGE - 1) / PAGE) : null;
    }

    /**
     * Maps {@code size} zero bytes that only this class writes (see the class comment): pages nothing wrote are never
     * touched.
     *
     * @param name for messages and maps, e.g. {@code virt.flash0}
     * @param size bytes, {@code > 0}; the mapping is rounded up to whole pages
     * @throws IllegalArgumentException for a size that is not positive
     * @throws IllegalStateException if the kernel refuses the mapping
     */
    public static HostMemory allocate(String name, long size) {
        return map(name, size, true);
    }

    /**
     * Maps {@code size} zero bytes that a CPU writes directly through {@link #address()} (guest RAM): which pages hold
     * data is not known here, so every page counts as holding data and reads read it. Otherwise as {@link #allocate}.
     */
    public static HostMemory allocateCpuWritable(String name, long size) {
        return map(name, size, false);
    }

    private static HostMemory map(String name, long size, boolean trackWrites) {
        Objects.requireNonNull(name, "name");
        if (size <= 0) {
            throw new IllegalArgumentException("host memory '" + name + "' of size " + size + ", expected > 0");
        }
        long pages = (size + PAGE - 1) / PAGE;
        if (pages > (Long.MAX_VALUE / PAGE) - 2) {
            throw new IllegalArgumentException("host memory '" + name + "' of size " + size + " is too large");
        }
        long length = (pages + 2) * PAGE;
        long base;
        try {
            base = Libc.mmap(0, length, Libc.PROT_NONE,
                    Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0);
        } catch (LastErrorException e) {
            throw new IllegalStateException("cannot map " + size + " bytes for '" + name + "': errno " + e.getErrorCode());
        }
        try {
            Libc.mprotect(base + PAGE, pages * PAGE, Libc.PROT_READ | Libc.PROT_WRITE);
            Libc.madvise(base + PAGE, pages * PAGE, Libc.MADV_NOHUGEPAGE);
        } catch (LastErrorException e) {
            Libc.munmap(base, length);
            throw new IllegalStateException("cannot set up " + size + " bytes for '" + name + "': errno "
                    + e.getErrorCode());
        }
        return new HostMemory(name, size, base, length, trackWrites);
    }

    public String name() {
        return name;
    }

    public long size() {
        return size;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * The native address of byte 0, for the CPU binding ({@code uc_mem_map_ptr}). Valid until {@link #close()}; the
     * mapping is whole pages, so {@code [address, address + roundUp(size, 4096))} may be handed over.
     */
    public long address() {
        checkOpen();
        return address;
    }

    /** The size rounded up to whole 4 KiB pages: what a CPU binding may map. */
    public long mappedSize() {
        return mappingLength - 2 * PAGE;
    }

    /** Whether this memory knows which pages hold data (made by {@link #allocate}). */
    public boolean tracksWrites() {
        return written != null;
    }

    /**
     * Replaces the pages holding {@code [offset, offset + length)} with the same pages of the file open as {@code fd}
     * (file offset = memory offset, as for a raw image), mapped {@code PROT_READ}, {@code MAP_PRIVATE} and populated:
     * the page-cache pages themselves, shared with every other mapping of the file, counted as written. Whole pages;
     * the caller makes sure they lie inside the file (a page past its end would fault on access). Only before
     * {@link #seal()}, and only for memory that tracks writes.
     *
     * @throws IllegalStateException if the kernel refuses the mapping, or the memory is sealed or untracked
     */
    public void mapFile(long offset, long length, int fd) {
        mapFilePages(offset, length, fd, false);
    }

    /**
     * As {@link #mapFile}, but the pages stay writable through this class: until something writes one, it is the
     * page-cache page, shared with every other mapping of the file; the first write gives this memory a private copy
     * of that page alone (the kernel's copy-on-write), and the file never changes. For a blob that many boards load
     * and a guest may change ({@code -bios}): mapping the file again over the same range brings its pages back.
     *
     * @throws IllegalStateException if the kernel refuses the mapping, or the memory is sealed or untracked
     */
    public void mapFileCopyOnWrite(long offset, long length, int fd) {
        mapFilePages(offset, length, fd, true);
    }

    private void mapFilePages(long offset, long length, int fd, boolean writable) {
        check(offset, length);
        checkWritable();
        checkTracked("mapFile");
        long first = offset / PAGE * PAGE;
        long end = (offset + length + PAGE - 1) / PAGE * PAGE;
        if (end <= first) {
            return;
        }
        try {
            // Populated read-only first: MAP_POPULATE on a writable private mapping would copy every page.
            Libc.mmap(address + first, end - first, Libc.PROT_READ,
                    Libc.MAP_PRIVATE | Libc.MAP_FIXED | Libc.MAP_POPULATE, fd, first);
            if (writable) {
                Libc.mprotect(address + first, end - first, Libc.PROT_READ | Libc.PROT_WRITE);
            }
        } catch (LastErrorException e) {
            throw new IllegalStateException("host memory '" + name + "': cannot map " + (end - first)
                    + " bytes of a file at offset " + first + ": errno " + e.getErrorCode());
        }
        fileMapped = true;
        markWritten(first, end - first);
    }

    /**
     * For {@link PageMerger}: maps {@code [offset, offset + length)} (whole pages) private and writable from
     * {@code fd} at {@code fileOffset}, not populated: the guest's next read maps the file's page, its next write
     * copies it. Only for memory the CPU writes directly; the caller makes sure the bytes are the same.
     *
     * @return whether the kernel took it; if not, the range may have been unmapped (a refused {@code MAP_FIXED} can
     *         leave it so): the caller puts it back with {@link #remapAnonymous}
     */
    boolean mapCopyOnWrite(long offset, long length, int fd, long fileOffset) {
        check(offset, length);
        if (written != null || sealed) {
            throw new IllegalStateException("host memory '" + name + "': only CPU-written memory is merged");
        }
        try {
            Libc.mmap(address + offset, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_FIXED,
                    fd, fileOffset);
        } catch (LastErrorException e) {
            return false;
        }
        fileMapped = true;
        return true;
    }

    /**
     * For {@link SharedPages}: makes {@code [offset, offset + length)} (whole pages) fresh anonymous zero pages again,
     * after a refused {@link #mapCopyOnWrite}.
     *
     * @throws IllegalStateException if the kernel refuses that too (the range may be unmapped)
     */
    void remapAnonymous(long offset, long length) {
        check(offset, length);
        try {
            mapFreshPages(offset, length);
        } catch (LastErrorException e) {
            throw new IllegalStateException("host memory '" + name + "': cannot map " + length
                    + " bytes at offset " + offset + " again: errno " + e.getErrorCode());
        }
    }

    /**
     * Makes the whole memory read-only, for good: the kernel refuses writes to it, and every mutator of this class
     * throws {@link IllegalStateException}. For memory that boards share and only read.
     */
    public void seal() {
        checkOpen();
        if (sealed) {
            return;
        }
        try {
            Libc.mprotect(address, mappedSize(), Libc.PROT_READ);
        } catch (LastErrorException e) {
            throw new IllegalStateException("host memory '" + name + "': cannot make it read-only: errno "
                    + e.getErrorCode());
        }
        sealed = true;
    }

    /** Whether {@link #seal()} made the memory read-only. */
    public boolean isSealed() {
        return sealed;
    }

    /**
     * Whether the page holding byte {@code offset} may hold data: something wrote it through this class (always true
     * for {@link #allocateCpuWritable} memory). A page for which this is false is zero and not resident.
     */
    public boolean holdsData(long offset) {
        check(offset, 1);
        return written == null || written.get(offset / PAGE);
    }

    /**
     * Bytes in pages written through this class: at most what the memory costs resident.
     *
     * @throws IllegalStateException for {@link #allocateCpuWritable} memory, which does not know
     */
    public long dataBytes() {
        checkTracked("dataBytes");
        return written.count() * PAGE;
    }

    /**
     * Bytes in pages holding a non-zero byte: only the written pages are read (see the class comment).
     *
     * @throws IllegalStateException for {@link #allocateCpuWritable} memory, which would have to scan every page
     */
    public long nonZeroBytes() {
        checkTracked("nonZeroBytes");
        long bytes = 0;
        for (long p = written.nextSet(0); p >= 0; p = written.nextSet(p + 1)) {
            long n = Math.min(PAGE, size - p * PAGE);
            if (!pageIsZero(p * PAGE, n)) {
                bytes += n;
            }
        }
        return bytes;
    }

    /** Receives the runs of written pages, in order: {@code [offset, offset + length)} clipped to the size. */
    @FunctionalInterface
    public interface RunConsumer {
        void accept(long offset, long length);
    }

    /**
     * Calls {@code consumer} for each run of consecutive pages written through this class.
     *
     * @throws IllegalStateException for {@link #allocateCpuWritable} memory
     */
    public void forEachDataRun(RunConsumer consumer) {
        checkTracked("forEachDataRun");
        for (long p = written.nextSet(0); p >= 0; ) {
            long end = written.nextClear(p);
            long offset = p * PAGE;
            consumer.accept(offset, Math.min(size, end * PAGE) - offset);
            p = written.nextSet(end);
        }
    }

    /** A little-endian load of {@code width} (1, 2, 4 or 8) bytes, zero-extended. */
    public long load(long offset, int width) {
        check(offset, width);
        if (written != null && (width < 1 || !written.get((offset + width - 1) / PAGE) || !written.get(offset / PAGE))) {
            if (width != 1 && width != 2 && width != 4 && width != 8) {
                throw badWidth(width);
            }
            long v = 0; // a page nothing wrote reads as zeros, without touching it
            for (int i = 0; i < width; i++) {
                if (written.get((offset + i) / PAGE)) {
                    v |= (pointer.getByte(offset + i) & 0xFFL) << (8 * i);
                }
            }
            return v;
        }
        return switch (width) {
            case 1 -> pointer.getByte(offset) & 0xFFL;
            case 2 -> le(pointer.getShort(offset)) & 0xFFFFL;
            case 4 -> le(pointer.getInt(offset)) & 0xFFFF_FFFFL;
            case 8 -> le(pointer.getLong(offset));
            default -> throw badWidth(width);
        };
    }

    /** A little-endian store of the low {@code width} (1, 2, 4 or 8) bytes of {@code value}. */
    public void store(long offset, int width, long value) {
        check(offset, width);
        checkWritable();
        markWritten(offset, width);
        switch (width) {
            case 1 -> pointer.setByte(offset, (byte) value);
            case 2 -> pointer.setShort(offset, le((short) value));
            case 4 -> pointer.setInt(offset, le((int) value));
            case 8 -> pointer.setLong(offset, le(value));
            default -> throw badWidth(width);
        }
    }

    /** Copies {@code length} bytes at {@code offset} into {@code dst[dstOffset...]}. */
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        check(offset, length);
        if (written == null) {
            pointer.read(offset, dst, dstOffset, length);
            return;
        }
        for (long at = offset; at < offset + length; ) {
            long end = Math.min(offset + length, (at / PAGE + 1) * PAGE);
            int i = dstOffset + (int) (at - offset);
            if (written.get(at / PAGE)) {
                pointer.read(at, dst, i, (int) (end - at));
            } else {
                Arrays.fill(dst, i, i + (int) (end - at), (byte) 0);
            }
            at = end;
        }
    }

    /** Copies {@code src[srcOffset...]} ({@code length} bytes) to {@code offset}. */
    public void write(long offset, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        check(offset, length);
        checkWritable();
        markWritten(offset, length);
        pointer.write(offset, src, srcOffset, length);
    }

    /** Fills {@code dst.remaining()} bytes of {@code dst} from {@code offset}. */
    public void read(long offset, ByteBuffer dst) {
        int length = dst.remaining();
        check(offset, length);
        if (written == null) {
            if (length > 0) {
                dst.put(pointer.getByteBuffer(offset, length));
            }
            return;
        }
        for (long at = offset; at < offset + length; ) {
            long end = Math.min(offset + length, (at / PAGE + 1) * PAGE);
            int n = (int) (end - at);
            if (written.get(at / PAGE)) {
                dst.put(pointer.getByteBuffer(at, n));
            } else {
                dst.put(Zeros.of(n));
            }
            at = end;
        }
    }

    /** Writes {@code src.remaining()} bytes of {@code src} to {@code offset}. */
    public void write(long offset, ByteBuffer src) {
        int length = src.remaining();
        check(offset, length);
        checkWritable();
        markWritten(offset, length);
        if (length > 0) {
            pointer.getByteBuffer(offset, length).put(src);
        }
    }

    /** Sets {@code length} bytes from {@code offset} to {@code value}. */
    public void fill(long offset, long length, byte value) {
        check(offset, length);
        checkWritable();
        if (value == 0 && written != null) {
            // zeros need writing only where something was written
            for (long p = written.nextSet(offset / PAGE); p >= 0 && p * PAGE < offset + length; p = written.nextSet(p + 1)) {
                long from = Math.max(offset, p * PAGE);
                pointer.setMemory(from, Math.min(offset + length, (p + 1) * PAGE) - from, (byte) 0);
            }
            return;
        }
        markWritten(offset, length);
        if (length > 0) {
            pointer.setMemory(offset, length, value);
        }
    }

    /**
     * Whether {@code [offset, offset + length)} holds only zero bytes. Reads only pages that something wrote (all pages
     * of {@link #allocateCpuWritable} memory).
     */
    public boolean isZero(long offset, long length) {
        check(offset, length);
        if (written == null) {
            return pageIsZero(offset, length);
        }
        for (long p = written.nextSet(offset / PAGE); p >= 0 && p * PAGE < offset + length; p = written.nextSet(p + 1)) {
            long from = Math.max(offset, p * PAGE);
            if (!pageIsZero(from, Math.min(offset + length, (p + 1) * PAGE) - from)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code [offset, offset + length)} is zero, reading it. */
    private boolean pageIsZero(long offset, long length) {
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(ZERO_CHUNK, length - done);
            if (!Zeros.isZero(pointer.getByteBuffer(offset + done, n), 0, n)) {
                return false;
            }
            done += n;
        }
        return true;
    }

    /**
     * Makes the pages holding {@code [offset, offset + length)} resident and writable in one system call
     * ({@code MADV_POPULATE_WRITE}, Linux 5.14), so that a following {@link #write} of that range does not take one page
     * fault per page. The contents do not change (new pages are zero). Call it only for pages about to be written:
     * every page of the range becomes resident, zero or not.
     *
     * @return whether the kernel populated the range; {@code false} on a kernel without {@code MADV_POPULATE_WRITE}
     *         (the write then faults the pages in as usual)
     */
    public boolean populate(long offset, long length) {
        check(offset, length);
        checkWritable();
        if (length == 0) {
            return true;
        }
        long first = offset / PAGE * PAGE;
        long end = (offset + length + PAGE - 1) / PAGE * PAGE;
        markWritten(offset, length);
        try {
            Libc.madvise(address + first, end - first, Libc.MADV_POPULATE_WRITE);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Libc.EINVAL) {
                return false;
            }
            throw new IllegalStateException("host memory '" + name + "': cannot populate " + length + " bytes at offset "
                    + offset + ": errno " + e.getErrorCode());
        }
    }

    /**
     * Makes {@code [offset, offset + length)} zero and gives whole pages inside it back to the kernel
     * ({@code MADV_DONTNEED}); partial pages at the edges are zeroed in place.
     */
    public void discard(long offset, long length) {
        check(offset, length);
        checkWritable();
        if (length == 0) {
            return;
        }
        long end = offset + length;
        long firstPage = (offset + PAGE - 1) / PAGE * PAGE;
        long endPage = end / PAGE * PAGE;
        if (firstPage >= endPage) {
            fill(offset, length, (byte) 0);
            return;
        }
        if (offset < firstPage) {
            fill(offset, firstPage - offset, (byte) 0);
        }
        if (endPage < end) {
            fill(endPage, end - endPage, (byte) 0);
        }
        if (written != null) {
            if (!written.any(firstPage / PAGE, endPage / PAGE)) {
                return; // nothing there to give back
            }
            written.clear(firstPage / PAGE, endPage / PAGE);
        }
        try {
            if (fileMapped) {
                // MADV_DONTNEED on a file's private pages would bring the file's bytes back, not zeros.
                mapFreshPages(firstPage, endPage - firstPage);
            } else {
                Libc.madvise(address + firstPage, endPage - firstPage, Libc.MADV_DONTNEED);
            }
        } catch (LastErrorException e) {
            // Cannot happen for a range inside our own mapping; keep the contract (zeros) anyway.
            pointer.setMemory(firstPage, endPage - firstPage, (byte) 0);
        }
    }

    /** Maps fresh anonymous zero pages over {@code [offset, offset + length)} (whole pages), as {@link #map} does. */
    private void mapFreshPages(long offset, long length) {
        Libc.mmap(address + offset, length, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE | Libc.MAP_FIXED, -1, 0);
        Libc.madvise(address + offset, length, Libc.MADV_NOHUGEPAGE);
    }

    /** Unmaps the memory. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Libc.munmap(mappingBase, mappingLength);
    }

    @Override
    public String toString() {
        return "HostMemory[" + name + ", " + size + " bytes" + (closed ? ", closed]" : "]");
    }

    private void check(long offset, long length) {
        checkOpen();
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IndexOutOfBoundsException(String.format(
                    "host memory '%s': access at offset 0x%x of %d bytes is outside its %d bytes",
                    name, offset, length, size));
        }
    }

    private void checkWritable() {
        if (sealed) {
            throw new IllegalStateException("host memory '" + name + "' is read-only (shared between boards)");
        }
    }

    private void markWritten(long offset, long length) {
        if (written != null && length > 0) {
            written.set(offset / PAGE, (offset + length + PAGE - 1) / PAGE);
        }
    }

    private void checkTracked(String what) {
        if (written == null) {
            throw new IllegalStateException("host memory '" + name + "' is written by a CPU directly: " + what
                    + " would have to read every page");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("host memory '" + name + "' is closed");
        }
    }

    private static IllegalArgumentException badWidth(int width) {
        return new IllegalArgumentException("access width " + width + ", expected 1, 2, 4 or 8");
    }

    private static short le(short v) {
        return HOST_LE ? v : Short.reverseBytes(v);
    }

    private static int le(int v) {
        return HOST_LE ? v : Integer.reverseBytes(v);
    }

    private static long le(long v) {
        return HOST_LE ? v : Long.reverseBytes(v);
    }
}
