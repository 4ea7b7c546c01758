package dev.virtflash.memory;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/** The few libc calls behind {@link HostMemory} and {@link NativeMemory}, bound with JNA direct mapping. Package-private. */
final class Libc {

    static final int PROT_NONE = 0;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_PRIVATE = 0x02;
    static final int MAP_FIXED = 0x10;
    /** Fault the file's pages in at once (they come from the page cache: shared, not anonymous). */
    static final int MAP_POPULATE = 0x8000;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final int MADV_DONTNEED = 4;
    static final int MADV_NOHUGEPAGE = 15;
    /** Linux 5.14: fault in the pages of a range as writable, in one call (no trap per page). */
    static final int MADV_POPULATE_WRITE = 23;
    static final int EINVAL = 22;
    static final long MAP_FAILED = -1L;
    static final int PAGE_SIZE = 4096;

    static {
        Native.register(Libc.class, NativeLibrary.getInstance("c"));
    }

    private Libc() {
    }

    static native long mmap(long addr, long length, int prot, int flags, int fd, long offset) throws LastErrorException;

    static native int munmap(long addr, long length) throws LastErrorException;

    static native int mprotect(long addr, long length, int prot) throws LastErrorException;

    static native int madvise(long addr, long length, int advice) throws LastErrorException;

    /** {@code memfd_create(2)}: an anonymous file in memory (shmem), whose pages can be mapped anywhere. */
    static native int memfd_create(String name, int flags) throws LastErrorException;

    static final int MFD_CLOEXEC = 1;

    static native int ftruncate(int fd, long length) throws LastErrorException;

    static native int fallocate(int fd, int mode, long offset, long length) throws LastErrorException;

    static final int FALLOC_FL_KEEP_SIZE = 1;
    static final int FALLOC_FL_PUNCH_HOLE = 2;

    static native long pread(int fd, long buffer, long count, long offset) throws LastErrorException;

    static native long pwrite(int fd, long buffer, long count, long offset) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    /** glibc: gives the free memory of every malloc arena back to the kernel; 1 if some was released. */
    static native int malloc_trim(long pad);

    /** glibc {@code mallopt}; 1 on success. */
    static native int mallopt(int param, int value);

    /** {@code mallopt} parameter: the most arenas malloc makes. */
    static final int M_ARENA_MAX = -8;
}
