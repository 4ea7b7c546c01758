package dev.virtflash.memory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The kernel's entry for each page of a range of this process ({@code /proc/self/pagemap}, readable without
 * privileges): whether a page is mapped at all, and whether it is anonymous memory of our own or a file's page.
 * Reading it touches none of the pages.
 */
final class PageMap {

    private static final Path PAGEMAP = Path.of("/proc/self/pagemap");
    private static final long PAGE = Libc.PAGE_SIZE;
    /** Pages whose entries a caller reads at a time: 32 KiB of entries, 16 MiB of memory. */
    static final int CHUNK = 4096;
    /** Bit 63: the page is present in RAM. */
    static final long PRESENT = 1L << 63;
    /** Bit 62: the page is swapped out (touched as surely as a present one). */
    static final long SWAPPED = 1L << 62;
    /** Bit 61: the page is a file's page or shared anonymous memory, not private anonymous memory. */
    static final long FILE_OR_SHARED = 1L << 61;

    private PageMap() {
    }

    /** The entries of the {@code count} pages from {@code address} (page-aligned) into {@code out[0..count)}. */
    static void read(long address, long[] out, int count) {
        try (FileChannel pagemap = FileChannel.open(PAGEMAP, StandardOpenOption.READ)) {
            ByteBuffer entries = ByteBuffer.allocate(8 * CHUNK).order(ByteOrder.nativeOrder());
            long first = address / PAGE;
            for (int done = 0; done < count; ) {
                int n = Math.min(CHUNK, count - done);
                entries.clear().limit(8 * n);
                long position = (first + done) * 8;
                while (entries.hasRemaining()) {
                    if (pagemap.read(entries, position + entries.position()) < 0) {
                        throw new IOException("unexpected end of " + PAGEMAP);
                    }
                }
                entries.flip().asLongBuffer().get(out, done, n);
                done += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + PAGEMAP, e);
        }
    }
}
