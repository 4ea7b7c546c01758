package dev.virtflash.hw.block;

import dev.virtflash.memory.HostMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * {@link WriteBack} to a {@link BlockBackend}: the range is cut at 4 KiB page boundaries; runs of all-zero pieces
 * (512-byte aligned) go to {@link BlockBackend#writeZeroes}, everything else is written as data.
 */
final class SparseWriteBack implements WriteBack {

    private static final int PAGE = 4096;
    private static final int SECTOR = 512;

    private final BlockBackend backend;

    SparseWriteBack(BlockBackend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    @Override
    public void write(HostMemory memory, long offset, long length) throws IOException {
        if (offset < 0 || length <= 0 || offset > memory.size() - length || offset > backend.size() - length) {
            throw new IllegalArgumentException(String.format(
                    "write-back of 0x%x bytes at 0x%x is outside %s (0x%x bytes) or its memory (0x%x bytes)",
                    length, offset, backend.path(), backend.size(), memory.size()));
        }
        long end = offset + length;
        long runStart = offset;
        boolean runZero = false;
        for (long at = offset; at < end; ) {
            long next = Math.min(end, (at / PAGE + 1) * PAGE);
            boolean zero = at % SECTOR == 0 && next % SECTOR == 0 && memory.isZero(at, next - at);
            if (at == offset) {
                runZero = zero;
            } else if (zero != runZero) {
                flushRun(memory, runStart, at, runZero);
                runStart = at;
                runZero = zero;
            }
            at = next;
        }
        flushRun(memory, runStart, end, runZero);
    }

    private void flushRun(HostMemory memory, long from, long to, boolean zero) throws IOException {
        if (zero) {
            backend.writeZeroes(from, to - from);
            return;
        }
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(to - from, 1 << 20));
        for (long at = from; at < to; ) {
            int n = (int) Math.min(chunk.capacity(), to - at);
            chunk.clear().limit(n);
            memory.read(at, chunk);
            chunk.flip();
            backend.write(at, chunk);
            at += n;
        }
    }

    @Override
    public void flush() throws IOException {
        backend.flush();
    }
}
