package dev.virtflash.hw.block;

import dev.virtflash.memory.HostMemory;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Fills a zeroed {@link HostMemory} with an image's guest-visible contents, touching only non-zero data: {@code ZERO}
 * runs are skipped; {@code DATA} and {@code UNKNOWN} runs are read in chunks through the backend (so through the
 * format, never below it), and only the 4 KiB pages that are not all zero are copied. The same contents therefore cost
 * the same resident memory whether the file is sparse, fully allocated, or qcow2.
 *
 * <p>Contract: afterwards {@code memory[0, backend.size())} equals the image byte for byte. The memory must be zero
 * there beforehand (fresh {@link HostMemory} is).
 */
public final class NonZeroReader {

    /** Bytes read per backend call. */
    static final int CHUNK = 1 << 20;
    private static final int PAGE = 4096;

    private NonZeroReader() {
    }

    /** What a load did, for reports and tests. */
    public record Stats(long bytesRead, long pagesCopied, long bytesSkipped) {
    }

    /**
     * Loads {@code backend} into {@code memory}.
     *
     * @throws IllegalArgumentException if the memory is smaller than the image
     */
    public static Stats load(BlockBackend backend, HostMemory memory) throws IOException {
        long size = backend.size();
        if (memory.size() < size) {
            throw new IllegalArgumentException(backend.path() + ": image of " + size + " bytes does not fit "
                    + memory.size() + " bytes of memory '" + memory.name() + "'");
        }
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
        ByteBuffer zeroPage = ByteBuffer.allocateDirect(PAGE);
        long read = 0;
        long pages = 0;
        long skipped = 0;
        for (long offset = 0; offset < size; ) {
            BlockStatus run = backend.status(offset, size - offset);
            if (run.kind() == BlockStatus.Kind.ZERO) {
                skipped += run.length();
            } else {
                for (long at = run.offset(); at < run.end(); ) {
                    int n = (int) Math.min(CHUNK, run.end() - at);
                    chunk.clear().limit(n);
                    backend.read(at, chunk);
                    read += n;
                    for (int p = 0; p < n; p += PAGE) {
                        int len = Math.min(PAGE, n - p);
                        chunk.limit(p + len).position(p);
                        if (chunk.mismatch(zeroPage.clear().limit(len)) != -1) {
                            memory.write(at + p, chunk);
                            pages++;
                        }
                    }
                    at += n;
                }
            }
            offset = run.end();
        }
        return new Stats(read, pages, skipped);
    }
}
