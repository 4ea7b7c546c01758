package dev.virtflash.memory;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * <p>Every access is bounds-checked; values are little-endian. The raw {@link #address()} exists for the CPU binding
 * only. Any use after {@link #close()} throws {@link IllegalStateException}; closing twice is harmless. Accesses are
 * not synchronised: one thread (a machine's CPU thread) uses a memory at a time, and it must not be closed while in
 * use.
 */
public final class HostMemory implements AutoCloseable {

    private static final long PAGE = Libc.PAGE_SIZE;
    private static final boolean HOST_LE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private static final int ZERO_CHUNK = 64 * 1024;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    private final String name;
    private final long size;
    private final long mappingBase;
    private final long mappingLength;
    private final long address;
    private final Pointer pointer;
    private volatile boolean closed;

    private HostMemory(String name, long size, long mappingBase, long mappingLength) {
        this.name = name;
        this.size = size;
        this.mappingBase = mappingBase;
        this.mappingLength = mappingLength;
        this.address = mappingBase + PAGE;
        this.pointer = new Pointer(address);
    }

    /**
     * Maps {@code size} zero bytes.
     *
     * @param name for messages and maps, e.g. {@code virt.flash0}
     * @param size bytes, {@code > 0}; the mapping is rounded up to whole pages
     * @throws IllegalArgumentException for a size that is not positive
     * @throws IllegalStateException if the kernel refuses the mapping
     */
    public static HostMemory allocate(String name, long size) {
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
        return new HostMemory(name, size, base, length);
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

    /** A little-endian load of {@code width} (1, 2, 4 or 8) bytes, zero-extended. */
    public long load(long offset, int width) {
        check(offset, width);
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
        pointer.read(offset, dst, dstOffset, length);
    }

    /** Copies {@code src[srcOffset...]} ({@code length} bytes) to {@code offset}. */
    public void write(long offset, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        check(offset, length);
        pointer.write(offset, src, srcOffset, length);
    }

    /** Fills {@code dst.remaining()} bytes of {@code dst} from {@code offset}. */
    public void read(long offset, ByteBuffer dst) {
        int length = dst.remaining();
        check(offset, length);
        if (length > 0) {
            dst.put(pointer.getByteBuffer(offset, length));
        }
    }

    /** Writes {@code src.remaining()} bytes of {@code src} to {@code offset}. */
    public void write(long offset, ByteBuffer src) {
        int length = src.remaining();
        check(offset, length);
        if (length > 0) {
            pointer.getByteBuffer(offset, length).put(src);
        }
    }

    /** Sets {@code length} bytes from {@code offset} to {@code value}. */
    public void fill(long offset, long length, byte value) {
        check(offset, length);
        if (length > 0) {
            pointer.setMemory(offset, length, value);
        }
    }

    /** Whether {@code [offset, offset + length)} holds only zero bytes. Reading untouched pages costs no memory. */
    public boolean isZero(long offset, long length) {
        check(offset, length);
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(ZERO_CHUNK, length - done);
            if (pointer.getByteBuffer(offset + done, n).mismatch(ZEROS.duplicate().limit(n)) != -1) {
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
        if (length == 0) {
            return true;
        }
        long first = offset / PAGE * PAGE;
        long end = (offset + length + PAGE - 1) / PAGE * PAGE;
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
        if (length == 0) {
            return;
        }
        long end = offset + length;
        long firstPage = (offset + PAGE - 1) / PAGE * PAGE;
        long endPage = end / PAGE * PAGE;
        if (firstPage >= endPage) {
            pointer.setMemory(offset, length, (byte) 0);
            return;
        }
        if (offset < firstPage) {
            pointer.setMemory(offset, firstPage - offset, (byte) 0);
        }
        if (endPage < end) {
            pointer.setMemory(endPage, end - endPage, (byte) 0);
        }
        try {
            Libc.madvise(address + firstPage, endPage - firstPage, Libc.MADV_DONTNEED);
        } catch (LastErrorException e) {
            // Cannot happen for a range inside our own mapping; keep the contract (zeros) anyway.
            pointer.setMemory(firstPage, endPage - firstPage, (byte) 0);
        }
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
