package dev.virtflash.hw.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * An open disk image, seen as its guest-visible contents (the "virtual disk"): reads and writes go through the
 * image format, never below it.
 *
 * <p>Offsets are virtual byte offsets, {@code 0 <= offset} and {@code offset + length <= size()}; an access outside
 * throws {@link IllegalArgumentException}. Host I/O errors are {@link IOException}s; a broken or unsupported image is
 * an {@link ImageFormatException} with a one-line message naming the file.
 */
public interface BlockBackend extends AutoCloseable {

    /** The image file (the top of the chain, for formats with backing files). */
    Path path();

    /** The format's name as QEMU spells it: {@code raw}, {@code qcow2}. */
    String format();

    /** The guest-visible size in bytes. */
    long size();

    /** Whether the image was opened read-only. */
    boolean readOnly();

    /** Reads exactly {@code dst.remaining()} bytes at {@code offset} into {@code dst}. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes all of {@code src.remaining()} bytes at {@code offset}. */
    void write(long offset, ByteBuffer src) throws IOException;

    /**
     * Makes {@code [offset, offset + length)} read as zero, giving the space back where the format can (a hole in a
     * raw file, zero clusters in qcow2). Both {@code offset} and {@code length} are multiples of 512.
     */
    void writeZeroes(long offset, long length) throws IOException;

    /** Makes every completed write durable. */
    void flush() throws IOException;

    /**
     * The status of the run that starts at {@code offset}: at least one byte, at most {@code max} bytes, never past
     * {@link #size()}. Reporting zeros as {@code DATA} or {@code UNKNOWN} is allowed; reporting data as {@code ZERO}
     * is not.
     */
    BlockStatus status(long offset, long max) throws IOException;

    /** Flushes and releases the file(s) and the lock. Idempotent. */
    @Override
    void close() throws IOException;
}
