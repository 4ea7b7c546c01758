package dev.virtflash.hw.block;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/** The file calls Java has no API for (holes, hole punching, OFD locks), bound with JNA direct mapping. */
final class PosixLibc {

    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;
    static final int FALLOC_FL_KEEP_SIZE = 1;
    static final int FALLOC_FL_PUNCH_HOLE = 2;
    static final int F_OFD_GETLK = 36;
    static final int F_OFD_SETLK = 37;
    static final short F_RDLCK = 0;
    static final short F_WRLCK = 1;
    static final short F_UNLCK = 2;
    static final int ENXIO = 6;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EINVAL = 22;
    static final int EOPNOTSUPP = 95;

    static {
        Native.register(PosixLibc.class, NativeLibrary.getInstance("c"));
    }

    private PosixLibc() {
    }

    static native int open(String path, int flags, int mode) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native long lseek(int fd, long offset, int whence) throws LastErrorException;

    static native int ftruncate(int fd, long length) throws LastErrorException;

    static native int fallocate(int fd, int mode, long offset, long length) throws LastErrorException;

    /** {@code fcntl(fd, cmd, struct flock *)}; the struct is 32 bytes on x86-64 and aarch64 Linux. */
    static native int fcntl(int fd, int cmd, byte[] flock) throws LastErrorException;

    /** {@code fstat(fd, struct stat *)}; {@code st_blocks} is the 8 bytes at offset 64 on x86-64 and aarch64. */
    static native int fstat(int fd, byte[] stat) throws LastErrorException;

    static final int STAT_SIZE = 256;
    static final int STAT_BLOCKS_OFFSET = 64;
    /** {@code st_mtim} (seconds, then nanoseconds), the same on x86-64 and aarch64. */
    static final int STAT_MTIME_OFFSET = 88;
}
