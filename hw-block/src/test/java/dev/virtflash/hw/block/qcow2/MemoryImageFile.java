package dev.virtflash.hw.block.qcow2;

import dev.virtflash.hw.block.ImageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An {@link ImageFile} held in memory, so the fuzz test can open ten thousand mutated images quickly. It behaves as a
 * file system without holes: punching writes zeros, {@code nextData} is the offset itself. A write that would grow it
 * past {@link #LIMIT} is an {@link IOException}, which the fuzz test counts as a failure of the code under test.
 */
final class MemoryImageFile implements ImageFile {

    static final long LIMIT = 256L << 20;

    private final Path path;
    private final boolean readOnly;
    private byte[] data;
    private int length;

    MemoryImageFile(Path path, byte[] contents, boolean readOnly) {
        this.path = path;
        this.readOnly = readOnly;
        this.data = contents;
        this.length = contents.length;
    }

    byte[] contents() {
        return Arrays.copyOf(data, length);
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
    public long length() {
        return length;
    }

    @Override
    public void readFully(long offset, ByteBuffer dst) {
        while (dst.hasRemaining()) {
            if (offset < 0 || offset >= length) {
                dst.put((byte) 0);
            } else {
                int n = (int) Math.min(dst.remaining(), length - offset);
                dst.put(data, (int) offset, n);
                offset += n;
                continue;
            }
            offset++;
        }
    }

    @Override
    public void writeFully(long offset, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new IOException(path + ": image is read-only");
        }
        long end = offset + src.remaining();
        if (offset < 0 || end > LIMIT) {
            throw new IOException(path + ": write of " + src.remaining() + " bytes at " + offset + " beyond the test"
                    + " limit");
        }
        ensure((int) end);
        src.get(data, (int) offset, src.remaining());
    }

    private void ensure(int end) {
        if (end > data.length) {
            data = Arrays.copyOf(data, Math.max(end, data.length * 2));
        }
        if (end > length) {
            length = end;
        }
    }

    @Override
    public void setLength(long newLength) throws IOException {
        if (newLength > LIMIT) {
            throw new IOException(path + ": length " + newLength + " beyond the test limit");
        }
        ensure((int) newLength);
        if (newLength < length) {
            Arrays.fill(data, (int) newLength, length, (byte) 0);
        }
        length = (int) newLength;
    }

    @Override
    public void punchHole(long offset, long holeLength) {
        long from = Math.max(0, Math.min(offset, length));
        long to = Math.max(from, Math.min(offset + holeLength, length));
        Arrays.fill(data, (int) from, (int) to, (byte) 0);
    }

    @Override
    public long nextData(long offset) {
        return offset < length ? offset : -1;
    }

    @Override
    public long nextHole(long offset) {
        return Math.max(offset, length);
    }

    @Override
    public long allocatedBytes() {
        return length;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
