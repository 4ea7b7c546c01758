package dev.virtflash.hw.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A host file under an image format: QEMU's "protocol" layer. Raw images expose it as it is; qcow2 keeps its
 * container in one. Opening locks it with QEMU's byte-lock protocol: a read-write open excludes every other writer
 * and every other reader that does not share writing; read-only opens share the image but keep writers out. So two
 * emulators (ours or QEMU) can never write the same image.
 */
public interface ImageFile extends AutoCloseable {

    /** Opens and locks {@code path}. A lock held elsewhere is an {@link ImageFormatException} naming the file. */
    static ImageFile open(Path path, boolean readOnly) throws IOException {
        return PosixImageFile.open(path, readOnly);
    }

    Path path();

    boolean readOnly();

    /** The file's length in bytes. */
    long length() throws IOException;

    /**
     * Reads up to {@code dst.remaining()} bytes at {@code offset}; bytes past the end of the file read as zero, so
     * {@code dst} is always filled.
     */
    void readFully(long offset, ByteBuffer dst) throws IOException;

    /** Writes all of {@code src} at {@code offset}, growing the file if needed. */
    void writeFully(long offset, ByteBuffer src) throws IOException;

    /** Sets the file's length (grows with a hole, or shrinks). */
    void setLength(long length) throws IOException;

    /**
     * Makes {@code [offset, offset + length)} read as zero and gives the blocks back to the file system
     * ({@code fallocate(PUNCH_HOLE | KEEP_SIZE)}); where the file system cannot punch holes, writes zeros.
     */
    void punchHole(long offset, long length) throws IOException;

    /**
     * The first offset {@code >= offset} holding data ({@code lseek(SEEK_DATA)}), or {@code -1} when only a hole
     * follows (the "trailing hole"). Where the file system cannot tell, returns {@code offset}.
     */
    long nextData(long offset) throws IOException;

    /**
     * The first offset {@code >= offset} in a hole ({@code lseek(SEEK_HOLE)}); the end of the file counts as a hole.
     * Where the file system cannot tell, returns the file's length.
     */
    long nextHole(long offset) throws IOException;

    /** Bytes the file occupies on disk ({@code st_blocks * 512}). */
    long allocatedBytes() throws IOException;

    void flush() throws IOException;

    /** Releases the lock and closes the file. Idempotent. */
    /**
     * The open descriptor, for mapping the file's pages into memory ({@code mmap}), or -1 where there is none (a file
     * in memory). Valid until {@link #close()}; the caller must not close it.
     */
    default int descriptor() {
        return -1;
    }

    /**
     * Which file this is and which version of it: device, inode and modification time ({@code fstat}), or
     * {@code null} where the file has none (a file in memory). Two open files with equal identities have the same
     * bytes, as long as nobody wrote it in between (the image locks see to that while one is open).
     */
    default FileIdentity identity() throws IOException {
        return null;
    }

    @Override
    void close() throws IOException;
}
