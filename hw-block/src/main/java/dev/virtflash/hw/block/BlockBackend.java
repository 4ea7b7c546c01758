package dev.virtflash.hw.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * An open disk image, seen as its guest-visible contents (the "virtual disk"): reads and writes go through the
 * image format, never below it.
 *
 * <p>Offsets are virtual byte offsets, {@code 0 <= offset} and {@code offset + length <= size()}; an access outside
 * throws {@link IllegalArgumentException}. Host I/O errors are {@link IOException}s; a broken or unsupported image is
 * an {@link ImageFormatException} with a one-line message naming the file.
 */
public interface BlockBackend extends AutoCloseable {

    /**
     * The range check every implementation makes as this interface promises: an access of {@code length} bytes at
     * {@code offset} must lie within {@code image.size()}; otherwise throws {@link IllegalArgumentException} naming the
     * file, the access and the size.
     */
    static void checkAccess(BlockBackend image, long offset, long length) {
        long size = image.size();
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IllegalArgumentException(String.format("%s: access of %d bytes at %d is outside its %d bytes",
                    image.path(), length, offset, size));
        }
    }

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

    /**
     * The file whose bytes at offset {@code n} are the image's bytes at {@code n} (a raw image), so that its pages
     * can be mapped as guest memory; {@code null} for a format that has to be decoded (qcow2).
     */
    default ImageFile identityMappedFile() {
        return null;
    }

    /** Which file and version the image is (its top file), or {@code null} if it cannot say. */
    default FileIdentity identity() throws IOException {
        return null;
    }

    /**
     * The run that starts at {@code offset} as {@code qemu-img map} sees it (at least one byte, at most {@code max},
     * never past {@link #size()}): the layer of the backing chain that decides it, whether that layer allocates it,
     * zero/data flags and the host offset. Only the image tools need it.
     *
     * <p>The default derives it from {@link #status}: depth 0, no host offset. A format with host offsets or backing
     * files overrides it: where this image allocates nothing and a backing image lies below, the answer is the
     * backing image's {@code mapping} (cut to the unallocated run) made one layer {@link Mapping#deeper deeper};
     * where nothing lies below (no backing file, or the offset is past the backing image's end) it is
     * {@code present=false, zero=true, data=false} at depth 0, as in QEMU.
     */
    default Mapping mapping(long offset, long max) throws IOException {
        return Mapping.of(status(offset, max));
    }

    /**
     * The image this one reads through where it allocates nothing (a qcow2 backing file), or {@code null}. It is owned
     * by this image (closed with it).
     */
    default BlockBackend backing() {
        return null;
    }

    /**
     * Bytes the image's own host file occupies on disk ({@code st_blocks * 512}, QEMU's "disk size"), not counting
     * backing files; {@code -1} when unknown.
     */
    default long allocatedBytes() throws IOException {
        return -1;
    }

    /**
     * Format-specific facts for {@code virt img info}, in display order, e.g. {@code cluster_size -> 65536},
     * {@code compat -> 1.1}, {@code backing file -> base.raw} (the name as the header spells it). Empty by default.
     */
    default Map<String, String> details() {
        return Map.of();
    }

    /** Flushes and releases the file(s) and the lock. Idempotent. */
    @Override
    void close() throws IOException;
}
