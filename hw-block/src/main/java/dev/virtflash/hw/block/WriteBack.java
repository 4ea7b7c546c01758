package dev.virtflash.hw.block;

import dev.virtflash.memory.HostMemory;
import java.io.IOException;

/**
 * Writes a changed range of a device's memory back to its image, synchronously (before the guest's bus cycle
 * completes, as QEMU does). A range that is all zero at 4 KiB granularity becomes a hole or zero clusters instead of
 * allocated zeros, so images stay sparse.
 */
public interface WriteBack {

    /** Writes {@code [offset, offset + length)} of {@code memory} to the same offsets of the image. */
    void write(HostMemory memory, long offset, long length) throws IOException;

    /** Makes the writes durable. */
    void flush() throws IOException;

    /** The sparse write-back to {@code backend}. */
    static WriteBack to(BlockBackend backend) {
        return new SparseWriteBack(backend);
    }
}
