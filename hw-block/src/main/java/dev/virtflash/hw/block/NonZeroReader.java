package dev.virtflash.hw.block;

import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.Zeros;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Fills a zeroed {@link HostMemory} with an image's guest-visible contents, touching only non-zero data: {@code ZERO}
 * runs are skipped; {@code DATA} and {@code UNKNOWN} runs are read in chunks through the backend (so through the
 * format, never below it: QEMU's {@code bs->file} bug cannot happen here), and only the 4 KiB pages that are not all
 * zero are copied (their destination pages populated with one {@link HostMemory#populate} call per run rather than
 * one page fault per page). The same contents therefore cost the same resident memory whether the file is sparse, fully
 * allocated, or qcow2.
 *
 * <p>Contract: afterwards {@code memory[0, backend.size())} equals the image byte for byte. The memory must be zero
 * there beforehand (fresh {@link HostMemory} is).
 *
 * <p>Speed: a chunk is small enough to stay in the CPU cache between the read and the zero scan, and runs of
 * consecutive non-zero pages are copied with one call. A fully allocated file must still be read whole (only its bytes
 * say they are zero), so it loads at the speed of reading it from the page cache once, without faulting in 64 MiB of
 * destination pages as a whole read does.
 */
public final class NonZeroReader {

    /** Bytes read per backend call: fits the L2 cache, so the zero scan reads what the read just wrote. */
    static final int CHUNK = 256 * 1024;
    /** The granularity of what is copied (and so of resident memory). */
    public static final int PAGE = 4096;
    /** A page of zeros to compare with (read-only, shared: slices of it are thread-safe). */

    private NonZeroReader() {
    }

    /**
     * What a load did, for reports and tests.
     *
     * @param bytesRead    bytes read through the backend ({@code DATA} and {@code UNKNOWN} runs)
     * @param pagesCopied  4 KiB pages of the image that hold a non-zero byte: what a load makes resident
     * @param bytesCopied  bytes copied (those pages, less what lies outside the image or in {@code ZERO} runs)
     * @param bytesSkipped bytes in {@code ZERO} runs, never read
     */
    public record Stats(long bytesRead, long pagesCopied, long bytesCopied, long bytesSkipped) {
    }

    /** Where the non-zero pages go. */
    @FunctionalInterface
    private interface PageSink {
        void accept(long offset, ByteBuffer pages);
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
        return scan(backend, (offset, pages) -> {
            // one madvise for the run instead of one page fault per page: the faults were half of a sparse load
            memory.populate(offset, pages.remaining());
            memory.write(offset, pages);
        });
    }

    /** Receives the runs of an image's non-zero pages: {@code [offset, offset + length)}, in order. */
    @FunctionalInterface
    public interface RunConsumer {
        void accept(long offset, long length);
    }

    /**
     * Reads {@code backend} as {@link #load} would and tells {@code runs} where its non-zero pages are instead of
     * copying them (a run may start or end inside a page where the image's own runs do; whole pages hold it).
     */
    public static Stats findNonZeroRuns(BlockBackend backend, RunConsumer runs) throws IOException {
        return scan(backend, (offset, pages) -> runs.accept(offset, pages.remaining()));
    }

    /**
     * Reads {@code backend} as {@link #load} would, without copying: {@link Stats#pagesCopied()} is what a load makes
     * resident (the image's non-zero 4 KiB pages).
     */
    public static Stats count(BlockBackend backend) throws IOException {
        return scan(backend, (offset, pages) -> { });
    }

    private static Stats scan(BlockBackend backend, PageSink sink) throws IOException {
        long size = backend.size();
        ByteBuffer chunk = ByteBuffer.allocateDirect((int) Math.min(CHUNK, roundUp(Math.max(size, 1))))
                .order(ByteOrder.nativeOrder());
        long read = 0;
        long pages = 0;
        long copied = 0;
        long skipped = 0;
        long lastPage = -1; // a page split between two runs counts once
        for (long offset = 0; offset < size; ) {
            BlockStatus run = backend.status(offset, size - offset);
            if (run.offset() != offset || run.end() > size) {
                throw new IllegalStateException(backend.path() + ": block status for " + offset + " returned "
                        + run + ", expected a run starting there and ending by " + size);
            }
            if (run.kind() == BlockStatus.Kind.ZERO) {
                skipped += run.length();
            } else {
                for (long at = run.offset(); at < run.end(); ) {
                    // A byte sits at buffer index (its image offset - base), base page-aligned, so page boundaries
                    // in the buffer are page boundaries of the image (and of the memory it is copied to).
                    int lo = (int) (at % PAGE);
                    int hi = (int) Math.min(chunk.capacity(), lo + (run.end() - at));
                    long base = at - lo;
                    chunk.limit(hi).position(lo);
                    backend.read(at, chunk);
                    read += hi - lo;
                    for (int p = lo; p < hi; ) {
                        int first = firstNonZeroPage(chunk, p, hi);
                        if (first >= hi) {
                            break;
                        }
                        int end = pageEnd(first, hi);
                        while (end < hi && !isZero(chunk, end, pageEnd(end, hi))) {
                            end = pageEnd(end, hi);
                        }
                        long firstPage = Math.max((base + first) / PAGE, lastPage + 1);
                        lastPage = (base + end - 1) / PAGE;
                        pages += lastPage - firstPage + 1;
                        copied += end - first;
                        chunk.limit(end).position(first);
                        sink.accept(base + first, chunk);
                        chunk.limit(hi);
                        p = end;
                    }
                    at = base + hi;
                }
            }
            offset = run.end();
        }
        return new Stats(read, pages, copied, skipped);
    }

    /**
     * The first byte at or after {@code from} of the first page (of the part {@code [from, hi)} of it) holding a
     * non-zero byte, or {@code hi}.
     */
    private static int firstNonZeroPage(ByteBuffer chunk, int from, int hi) {
        for (int page = from; page < hi; page = pageEnd(page, hi)) {
            if (!isZero(chunk, page, pageEnd(page, hi))) {
                return page;
            }
        }
        return hi;
    }

    /** The end of the page holding buffer index {@code at}, or {@code hi} if that comes first. */
    private static int pageEnd(int at, int hi) {
        return Math.min(hi, (at / PAGE + 1) * PAGE);
    }

    /** Whether {@code chunk[from, to)} is all zero ({@link Zeros}). */
    private static boolean isZero(ByteBuffer chunk, int from, int to) {
        return Zeros.isZero(chunk, from, to);
    }

    private static long roundUp(long n) {
        return (n + PAGE - 1) / PAGE * PAGE;
    }
}
