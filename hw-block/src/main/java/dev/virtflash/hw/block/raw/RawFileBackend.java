package dev.virtflash.hw.block.raw;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.BlockStatus;
import dev.virtflash.hw.block.ImageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A raw image: the file's bytes are the guest-visible contents. Block status comes from the file system's holes
 * ({@code SEEK_DATA}/{@code SEEK_HOLE}); past the last data extent is a trailing hole; a file system that cannot
 * report holes makes everything {@code DATA}. Zeroed ranges are punched out again, so the file stays sparse.
 */
public final class RawFileBackend implements BlockBackend {

    /** Block-status boundaries are rounded to this, as QEMU rounds to the request alignment. */
    private static final long ALIGN = 512;

    private final ImageFile file;
    private final long size;

    private RawFileBackend(ImageFile file, long size) {
        this.file = file;
        this.size = size;
    }

    /** A raw backend over an open file; it owns the file from now on. */
    public static RawFileBackend open(ImageFile file) throws IOException {
        Objects.requireNonNull(file, "file");
        return new RawFileBackend(file, file.length());
    }

    @Override
    public Path path() {
        return file.path();
    }

    @Override
    public String format() {
        return "raw";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return file.readOnly();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        check(offset, dst.remaining());
        file.readFully(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        check(offset, src.remaining());
        file.writeFully(offset, src);
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        check(offset, length);
        file.punchHole(offset, length);
    }

    @Override
    public void flush() throws IOException {
        file.flush();
    }

    @Override
    public BlockStatus status(long offset, long max) throws IOException {
        check(offset, 1);
        long limit = Math.min(size, offset + Math.max(1, max));
        long data = file.nextData(offset);
        if (data < 0 || data >= limit) {
            return new BlockStatus(offset, limit - offset, BlockStatus.Kind.ZERO);
        }
        if (data > offset) {
            long end = data / ALIGN * ALIGN;
            if (end > offset) {
                return new BlockStatus(offset, end - offset, BlockStatus.Kind.ZERO);
            }
        }
        long hole = Math.min(limit, file.nextHole(offset));
        long end = hole >= limit ? limit : Math.max(offset + 1, (hole + ALIGN - 1) / ALIGN * ALIGN);
        return new BlockStatus(offset, Math.min(end, limit) - offset, BlockStatus.Kind.DATA);
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    private void check(long offset, long length) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IllegalArgumentException(String.format("%s: access of %d bytes at %d is outside its %d bytes",
                    file.path(), length, offset, size));
        }
    }

    @Override
    public String toString() {
        return "raw:" + file.path();
    }
}
