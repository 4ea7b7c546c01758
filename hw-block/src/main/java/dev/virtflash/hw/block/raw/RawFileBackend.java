package dev.virtflash.hw.block.raw;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.BlockStatus;
import dev.virtflash.hw.block.FileIdentity;
import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.Mapping;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A raw image: the file's bytes are the guest-visible contents. Block status comes from the file system's holes
 * ({@code SEEK_DATA}/{@code SEEK_HOLE}); past the last data extent is a trailing hole; a file system that cannot
 * report holes makes everything {@code DATA}. Zeroed ranges are punched out again, so the file stays sparse.
 *
 * <p>Not emulated: QEMU's {@code O_DIRECT} alignment probing and the zeroed first block that {@code qemu-img create}
 * allocates for it; discard granularity of the host.
 */
public final class RawFileBackend implements BlockBackend {

    /** The virtual size is the file's length rounded up to whole sectors of this size, as in QEMU. */
    private static final long SECTOR = 512;

    private final ImageFile file;
    private final long size;

    private RawFileBackend(ImageFile file, long size) {
        this.file = file;
        this.size = size;
    }

    /**
     * A raw backend over an open file; it owns the file from now on. The virtual size is the file's length rounded up
     * to a multiple of 512 (QEMU counts whole sectors: a 1000-byte file is a 1024-byte disk whose tail reads as zero).
     */
    public static RawFileBackend open(ImageFile file) throws IOException {
        Objects.requireNonNull(file, "file");
        long length = file.length();
        return new RawFileBackend(file, (length + SECTOR - 1) / SECTOR * SECTOR);
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
        BlockBackend.checkAccess(this, offset, dst.remaining());
        file.readFully(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        BlockBackend.checkAccess(this, offset, src.remaining());
        file.writeFully(offset, src);
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        BlockBackend.checkAccess(this, offset, length);
        file.punchHole(offset, length);
    }

    @Override
    public void flush() throws IOException {
        file.flush();
    }

    /**
     * Holes ({@code SEEK_DATA}/{@code SEEK_HOLE}) are {@code ZERO}, extents {@code DATA}; after the last extent, and in
     * the tail that rounds the file up to whole sectors, is a trailing hole. Boundaries are the file system's own,
     * unrounded, as in QEMU for a file opened without {@code O_DIRECT} (request alignment 1).
     */
    @Override
    public BlockStatus status(long offset, long max) throws IOException {
        BlockBackend.checkAccess(this, offset, 1);
        long limit = offset + Math.min(size - offset, Math.max(1, max));
        long data = file.nextData(offset);
        if (data < 0 || data >= limit) {
            return new BlockStatus(offset, limit - offset, BlockStatus.Kind.ZERO);
        }
        if (data > offset) {
            return new BlockStatus(offset, data - offset, BlockStatus.Kind.ZERO);
        }
        long hole = Math.max(offset + 1, file.nextHole(offset));
        return new BlockStatus(offset, Math.min(hole, limit) - offset, BlockStatus.Kind.DATA);
    }

    /** A raw image's bytes are the file's: depth 0, always present, stored at the same offset. */
    @Override
    public Mapping mapping(long offset, long max) throws IOException {
        BlockStatus run = status(offset, max);
        return new Mapping(run.offset(), run.length(), 0, true, run.kind() == BlockStatus.Kind.ZERO,
                run.kind() == BlockStatus.Kind.DATA, run.offset(), file.path(), false);
    }

    /** A raw image is its file, byte for byte. */
    @Override
    public ImageFile identityMappedFile() {
        return file;
    }

    @Override
    public FileIdentity identity() throws IOException {
        return file.identity();
    }

    @Override
    public long allocatedBytes() throws IOException {
        return file.allocatedBytes();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    @Override
    public String toString() {
        return "raw:" + file.path();
    }
}
