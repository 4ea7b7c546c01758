package dev.virtflash.hw.block;

import com.sun.jna.LastErrorException;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.Zeros;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A firmware file loaded at offset 0 of a bank without an image, as QEMU's {@code -bios}, without copying it: its
 * whole pages that hold data are the file's own page-cache pages, mapped copy-on-write
 * ({@link HostMemory#mapFileCopyOnWrite}), so every board that boots the same {@code u-boot.bin}, in this process or
 * another, shares one copy of each page until its guest programs or erases it; then that page alone becomes the
 * board's own. Zero pages are not mapped (they stay untouched, as in any bank), and a last partial page is copied.
 *
 * <p>{@link #loadInto} is what a system reset does too (QEMU copies the blob again at every reset): mapping the file
 * again over the same range drops the guest's private copies and brings the file's pages back. The file stays open
 * (read-only, without a lock, as QEMU's loader reads it) until {@link #close()}, and its non-zero pages are found once,
 * at {@link #open}, by reading it (through the page cache, into a small buffer: nothing of it stays in this process).
 * A program that rewrites the file while a board runs changes the pages the guest has not written, as it would for a
 * read-only raw bank.
 */
public final class RomBlob implements AutoCloseable {

    private static final int PAGE = NonZeroReader.PAGE;

    private final Path file;
    private final long size;
    private final int fd;
    /** Runs of whole non-zero pages, {@code {offset, length}}, in order. */
    private final List<long[]> runs;
    /** The bytes of a last partial page, or {@code null} when the size is whole pages or that page is zero. */
    private final byte[] tail;
    private boolean closed;

    private RomBlob(Path file, long size, int fd, List<long[]> runs, byte[] tail) {
        this.file = file;
        this.size = size;
        this.fd = fd;
        this.runs = runs;
        this.tail = tail;
    }

    /**
     * Opens {@code file} and finds its non-zero pages.
     *
     * @param maxSize the bank's size: a larger file is refused
     * @throws ImageFormatException (one line naming the file) for a missing, unreadable, empty or too large file
     */
    public static RomBlob open(Path file, long maxSize) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new ImageFormatException(file, "no such file");
        } catch (IOException e) {
            throw new ImageFormatException(file, "cannot read the file (" + e.getMessage() + ")");
        }
        if (size > maxSize) {
            throw new ImageFormatException(file, "-bios of " + size + " bytes, expected at most " + maxSize
                    + " (the size of flash bank 0)");
        }
        List<long[]> found = new ArrayList<>();
        byte[] tail = null;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer chunk = ByteBuffer.allocate(NonZeroReader.CHUNK);
            long wholePages = size / PAGE * PAGE;
            for (long at = 0; at < size; at += chunk.capacity()) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), size - at));
                while (chunk.hasRemaining()) {
                    if (channel.read(chunk, at + chunk.position()) < 0) {
                        throw new ImageFormatException(file, "shorter than its " + size + " bytes while reading");
                    }
                }
                for (int p = 0; p < chunk.limit(); p += PAGE) {
                    long offset = at + p;
                    int n = (int) Math.min(PAGE, size - offset);
                    if (Zeros.isZero(chunk, p, p + n)) {
                        continue;
                    }
                    if (offset >= wholePages) {
                        tail = new byte[n];
                        chunk.get(p, tail);
                    } else if (!found.isEmpty() && end(found.get(found.size() - 1)) == offset) {
                        found.get(found.size() - 1)[1] += PAGE;
                    } else {
                        found.add(new long[] {offset, PAGE});
                    }
                }
            }
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageFormatException(file, "cannot read the file (" + e.getMessage() + ")");
        }
        int fd;
        try {
            fd = PosixLibc.open(file.toString(), PosixLibc.O_RDONLY | PosixLibc.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new ImageFormatException(file, "cannot open: errno " + e.getErrorCode());
        }
        return new RomBlob(file, size, fd, List.copyOf(found), tail);
    }

    private static long end(long[] run) {
        return run[0] + run[1];
    }

    public Path file() {
        return file;
    }

    /** The file's size in bytes. */
    public long size() {
        return size;
    }

    /** Bytes of the file's non-zero pages: what a bank shares from the page cache (and copies, for a partial page). */
    public long nonZeroBytes() {
        long bytes = tail == null ? 0 : tail.length;
        for (long[] run : runs) {
            bytes += run[1];
        }
        return bytes;
    }

    /**
     * Makes {@code memory[0, size)} the blob: its non-zero whole pages mapped copy-on-write from the file (replacing
     * whatever was there), a partial last page copied, and zero pages discarded where the memory holds data (what a
     * guest programmed before a reset) and left untouched where it holds none. The rest of the memory is not touched.
     *
     * @throws IllegalArgumentException if the memory is smaller than the blob
     */
    public void loadInto(HostMemory memory) {
        checkOpen();
        if (memory.size() < size) {
            throw new IllegalArgumentException(file + ": " + size + " bytes do not fit '" + memory.name() + "' of "
                    + memory.size() + " bytes");
        }
        long at = 0;
        for (long[] run : runs) {
            discardWritten(memory, at, run[0]);
            memory.mapFileCopyOnWrite(run[0], run[1], fd);
            at = end(run);
        }
        long wholePages = size / PAGE * PAGE;
        discardWritten(memory, at, wholePages);
        if (tail != null) {
            memory.write(wholePages, tail, 0, tail.length);
        } else if (wholePages < size) {
            discardWritten(memory, wholePages, size);
        }
    }

    /** Discards the pages of {@code [from, to)} that hold data (the others are untouched and zero already). */
    private static void discardWritten(HostMemory memory, long from, long to) {
        for (long page = from; page < to; page += PAGE) {
            if (memory.holdsData(page)) {
                memory.discard(page, Math.min(PAGE, to - page));
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            PosixLibc.close(fd);
        } catch (LastErrorException e) {
            // nothing was written through it: nothing can be lost
        }
    }

    @Override
    public String toString() {
        return "RomBlob[" + file + ", " + size + " bytes]";
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(file + ": the -bios blob is closed");
        }
    }
}
