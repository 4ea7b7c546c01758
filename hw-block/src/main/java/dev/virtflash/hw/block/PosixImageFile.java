package dev.virtflash.hw.block;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@link ImageFile} on Linux. Data moves through a {@link FileChannel}; a second descriptor of the same file, opened
 * with libc, serves what Java has no API for: {@code lseek(SEEK_DATA/SEEK_HOLE)}, {@code fallocate(PUNCH_HOLE)},
 * {@code fstat} and open-file-description locks ({@code F_OFD_SETLK}). OFD locks belong to the descriptor, not the
 * process, so two machines in one JVM exclude each other too, and closing some other descriptor of the file does not
 * drop them (as it would with classic POSIX locks).
 *
 * <p>Locking follows QEMU's byte-lock protocol, so that virtflash and QEMU exclude each other as well: a shared lock on
 * byte {@code 100 + bit} for each permission held (bit 0 "consistent read", bit 1 "write") and on byte
 * {@code 200 + bit} for each permission not shared with others ("write", "resize"); then a test of the matching bytes
 * of everyone else. A read-write open holds read and write and shares neither write nor resize, so a second writer
 * (ours or QEMU's) fails with {@code Failed to get "write" lock}; a read-only open holds read and does not share
 * write either, so read-only opens share the image while nobody can write it. Readers that share writing, such as
 * {@code qemu-img info}, still work.
 */
final class PosixImageFile implements ImageFile {

    private final Path path;
    private final boolean readOnly;
    private final FileChannel channel;
    private final int fd;
    private boolean holesSupported = true;
    private boolean punchSupported = true;
    private boolean closed;

    private PosixImageFile(Path path, boolean readOnly, FileChannel channel, int fd) {
        this.path = path;
        this.readOnly = readOnly;
        this.channel = channel;
        this.fd = fd;
    }

    static PosixImageFile open(Path path, boolean readOnly) throws IOException {
        FileChannel channel;
        try {
            channel = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw new ImageFormatException(path, "no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ImageFormatException(path, readOnly ? "cannot open for reading: permission denied"
                    : "cannot open for writing: permission denied (use readonly=on for a read-only image)");
        } catch (java.nio.file.FileSystemException e) {
            throw new ImageFormatException(path, "cannot open: " + e.getReason());
        }
        int fd;
        try {
            fd = PosixLibc.open(path.toString(), (readOnly ? PosixLibc.O_RDONLY : PosixLibc.O_RDWR)
                    | PosixLibc.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            channel.close();
            throw new ImageFormatException(path, "cannot open: errno " + e.getErrorCode());
        }
        PosixImageFile file = new PosixImageFile(path, readOnly, channel, fd);
        try {
            file.lock();
        } catch (IOException e) {
            file.close();
            throw e;
        }
        return file;
    }

    /** QEMU's lock byte bases: held permissions, and permissions not shared with others. */
    private static final long LOCK_PERM_BASE = 100;
    private static final long LOCK_SHARED_BASE = 200;
    private static final int PERM_CONSISTENT_READ = 0;
    private static final int PERM_WRITE = 1;
    private static final int PERM_RESIZE = 3;
    private static final String[] PERM_NAMES = {"consistent read", "write", "write unchanged", "resize"};

    private void lock() throws IOException {
        int[] held = readOnly ? new int[] {PERM_CONSISTENT_READ} : new int[] {PERM_CONSISTENT_READ, PERM_WRITE};
        int[] unshared = {PERM_WRITE, PERM_RESIZE};
        for (int perm : held) {
            setLock(LOCK_PERM_BASE + perm);
        }
        for (int perm : unshared) {
            setLock(LOCK_SHARED_BASE + perm);
        }
        for (int perm : held) {
            if (lockedByOthers(LOCK_SHARED_BASE + perm)) {
                throw new ImageFormatException(path, "Failed to get \"" + PERM_NAMES[perm]
                        + "\" lock: another emulator has this image open");
            }
        }
        for (int perm : unshared) {
            if (lockedByOthers(LOCK_PERM_BASE + perm)) {
                throw new ImageFormatException(path, "Failed to get shared \"" + PERM_NAMES[perm]
                        + "\" lock: another emulator is writing this image");
            }
        }
    }

    private void setLock(long offset) throws IOException {
        try {
            PosixLibc.fcntl(fd, PosixLibc.F_OFD_SETLK, flock(PosixLibc.F_RDLCK, offset));
        } catch (LastErrorException e) {
            if (e.getErrorCode() == PosixLibc.EAGAIN || e.getErrorCode() == PosixLibc.EACCES) {
                // Only a write lock on the byte stops a shared one: an older virtflash locked whole files that way.
                throw new ImageFormatException(path, "Failed to get \"" + (readOnly ? "consistent read" : "write")
                        + "\" lock: another program holds an exclusive lock on this image");
            }
            throw new ImageFormatException(path, "cannot lock: errno " + e.getErrorCode());
        }
    }

    /** Whether another open file description holds a lock on the byte at {@code offset}. */
    private boolean lockedByOthers(long offset) throws IOException {
        byte[] flock = flock(PosixLibc.F_WRLCK, offset);
        try {
            PosixLibc.fcntl(fd, PosixLibc.F_OFD_GETLK, flock);
        } catch (LastErrorException e) {
            throw new ImageFormatException(path, "cannot test locks: errno " + e.getErrorCode());
        }
        return ByteBuffer.wrap(flock).order(ByteOrder.nativeOrder()).getShort(0) != PosixLibc.F_UNLCK;
    }

    /** A {@code struct flock} (32 bytes on x86-64 and aarch64 Linux) for one byte; {@code l_pid} must be 0. */
    private static byte[] flock(short type, long offset) {
        ByteBuffer flock = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
        flock.putShort(0, type);
        flock.putShort(2, (short) 0); // SEEK_SET
        flock.putLong(8, offset);
        flock.putLong(16, 1);
        return flock.array();
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public long length() throws IOException {
        return channel.size();
    }

    @Override
    public void readFully(long offset, ByteBuffer dst) throws IOException {
        long at = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return;
            }
            at += n;
        }
    }

    @Override
    public void writeFully(long offset, ByteBuffer src) throws IOException {
        checkWritable();
        long at = offset;
        while (src.hasRemaining()) {
            at += channel.write(src, at);
        }
    }

    @Override
    public void setLength(long length) throws IOException {
        checkWritable();
        if (length < 0) {
            throw new IllegalArgumentException(path + ": file length " + length + ", expected >= 0");
        }
        try {
            PosixLibc.ftruncate(fd, length); // grows with a hole, unlike FileChannel.truncate
        } catch (LastErrorException e) {
            throw new IOException(path + ": cannot set the length to " + length + ": errno " + e.getErrorCode());
        }
    }

    @Override
    public void punchHole(long offset, long length) throws IOException {
        checkWritable();
        if (length <= 0) {
            return;
        }
        if (punchSupported) {
            try {
                PosixLibc.fallocate(fd, PosixLibc.FALLOC_FL_PUNCH_HOLE | PosixLibc.FALLOC_FL_KEEP_SIZE, offset,
                        length);
                return;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != PosixLibc.EOPNOTSUPP && e.getErrorCode() != PosixLibc.EINVAL) {
                    throw new IOException(path + ": cannot punch a hole at " + offset + ": errno " + e.getErrorCode());
                }
                punchSupported = false;
            }
        }
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        for (long at = offset; at < offset + length; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), offset + length - at));
            writeFully(at, zeros);
            at += zeros.limit();
        }
    }

    @Override
    public long nextData(long offset) throws IOException {
        if (!holesSupported) {
            return offset < length() ? offset : -1;
        }
        try {
            return PosixLibc.lseek(fd, offset, PosixLibc.SEEK_DATA);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == PosixLibc.ENXIO) {
                return -1;
            }
            if (e.getErrorCode() == PosixLibc.EINVAL || e.getErrorCode() == PosixLibc.EOPNOTSUPP) {
                holesSupported = false;
                return offset < length() ? offset : -1;
            }
            throw new IOException(path + ": lseek(SEEK_DATA, " + offset + "): errno " + e.getErrorCode());
        }
    }

    @Override
    public long nextHole(long offset) throws IOException {
        if (!holesSupported) {
            return Math.max(offset, length());
        }
        try {
            return PosixLibc.lseek(fd, offset, PosixLibc.SEEK_HOLE);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == PosixLibc.ENXIO) {
                return offset;
            }
            if (e.getErrorCode() == PosixLibc.EINVAL || e.getErrorCode() == PosixLibc.EOPNOTSUPP) {
                holesSupported = false;
                return Math.max(offset, length());
            }
            throw new IOException(path + ": lseek(SEEK_HOLE, " + offset + "): errno " + e.getErrorCode());
        }
    }

    @Override
    public long allocatedBytes() throws IOException {
        return ByteBuffer.wrap(stat()).order(ByteOrder.nativeOrder()).getLong(PosixLibc.STAT_BLOCKS_OFFSET) * 512;
    }

    @Override
    public int descriptor() {
        return fd;
    }

    /** {@code st_dev}, {@code st_ino} and {@code st_mtim} of {@code struct stat} (same offsets on x86-64 and aarch64). */
    @Override
    public FileIdentity identity() throws IOException {
        ByteBuffer stat = ByteBuffer.wrap(stat()).order(ByteOrder.nativeOrder());
        return new FileIdentity(stat.getLong(0), stat.getLong(8), stat.getLong(PosixLibc.STAT_MTIME_OFFSET),
                stat.getLong(PosixLibc.STAT_MTIME_OFFSET + 8));
    }

    private byte[] stat() throws IOException {
        byte[] stat = new byte[PosixLibc.STAT_SIZE];
        try {
            PosixLibc.fstat(fd, stat);
        } catch (LastErrorException e) {
            throw new IOException(path + ": fstat: errno " + e.getErrorCode());
        }
        return stat;
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(false);
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } finally {
            try {
                unlockAll();
            } finally {
                PosixLibc.close(fd);
            }
        }
    }

    /**
     * Drops every lock of this open file description at once. Closing the descriptor alone releases them only when no
     * other descriptor refers to the description: a child process that another thread is spawning holds a copy of
     * every descriptor until it executes (O_CLOEXEC acts only then), and a QEMU started right after this close would
     * find the image still locked.
     */
    private void unlockAll() {
        byte[] whole = flock(PosixLibc.F_UNLCK, 0);
        ByteBuffer.wrap(whole).order(ByteOrder.nativeOrder()).putLong(16, 0); // l_len 0: to the end, and beyond
        try {
            PosixLibc.fcntl(fd, PosixLibc.F_OFD_SETLK, whole);
        } catch (LastErrorException e) {
            // Nothing to undo: closing the descriptor still releases the locks once no copy of it is left.
        }
    }

    /** The descriptor that holds the locks, for tests that hold a second reference to its open file description. */
    int lockDescriptor() {
        return fd;
    }

    private void checkWritable() throws IOException {
        if (readOnly) {
            throw new IOException(path + ": image is read-only");
        }
    }
}
