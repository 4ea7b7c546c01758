package dev.virtflash.hw.pflash;

import dev.virtflash.hw.block.RomBlob;
import dev.virtflash.hw.block.WriteBack;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.WarnLimiter;
import dev.virtflash.memory.Zeros;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bank's array: host-side changes to the storage (erase, word program, buffer commit), each followed by a report
 * of the changed bytes (so a CPU binding drops translated code) and a synchronous write-back with QEMU's granularity
 * (spec §1.9):
 * <ul>
 *   <li>erase: the whole erase block;</li>
 *   <li>word program: {@code [offset, offset + width)} widened to 512-byte sectors;</li>
 *   <li>buffer commit: the whole window, including bytes the guest did not touch.</li>
 * </ul>
 * A failing write-back is logged at WARN (rate-limited) and otherwise ignored, as QEMU does: the storage keeps the
 * new data, no status bit changes, nothing reaches the guest. The failures are counted and the last one's reason is
 * kept, so that the board can tell the user at exit that the image misses changes. With no write-back (a bank
 * without an image) changes live only in memory.
 */
final class FlashStore {

    /** Hears changes to the storage made by the device. */
    interface ChangeListener {
        void changed(long offset, long length);
    }

    private static final Logger LOG = LoggerFactory.getLogger(FlashStore.class);

    private final String name;
    private final String imageName;
    private final HostMemory memory;
    private final WriteBack writeBack;
    private final ChangeListener listener;
    private final WarnLimiter ioWarnings = WarnLimiter.standard();
    private final long size;
    /** Scratch for {@link #commitAnd}: the window's array bytes. */
    private byte[] array;
    private long writeBackFailures;
    private String lastWriteBackError;

    /**
     * @param imageName what the write-back writes to, for messages (the image file), or {@code null}
     * @param writeBack where changes are persisted, or {@code null} for none
     */
    FlashStore(String name, String imageName, HostMemory memory, WriteBack writeBack, ChangeListener listener) {
        this.name = name;
        this.imageName = imageName == null ? "its image" : imageName;
        this.memory = memory;
        this.writeBack = writeBack;
        this.listener = listener;
        this.size = memory.size();
    }

    long size() {
        return size;
    }

    HostMemory memory() {
        return memory;
    }

    boolean persistent() {
        return writeBack != null;
    }

    /** A little-endian array read of {@code width} bytes. */
    long load(long offset, int width) {
        return memory.load(offset, width);
    }

    /** Fills {@code [offset, offset + length)} with 0xFF and writes the block back. */
    void erase(long offset, long length) {
        memory.fill(offset, length, (byte) 0xFF);
        changed(offset, length, offset, length);
    }

    /** Stores the low {@code width} bytes of {@code value} little-endian at {@code offset}; writes back 512-byte sectors. */
    void program(long offset, int width, long value) {
        memory.store(offset, width, value);
        long start = offset & -Geometry.WRITE_BACK_SECTOR;
        long end = Math.min(size, (offset + width + Geometry.WRITE_BACK_SECTOR - 1) & -Geometry.WRITE_BACK_SECTOR);
        changed(offset, width, start, end - start);
    }

    /** Copies the window {@code [offset, offset + buffer.length)} into {@code buffer}. */
    void snapshot(long offset, byte[] buffer) {
        memory.read(offset, buffer, 0, buffer.length);
    }

    /**
     * ANDs {@code buffer} into the window at {@code offset} (real NOR: programming only clears bits) and writes the
     * window back.
     */
    void commitAnd(long offset, byte[] buffer) {
        if (array == null) {
            array = new byte[buffer.length];
        }
        memory.read(offset, array, 0, buffer.length);
        for (int i = 0; i < buffer.length; i++) {
            array[i] &= buffer[i];
        }
        commit(offset, array);
    }

    /** Copies {@code buffer} over the window at {@code offset} and writes the window back. */
    void commit(long offset, byte[] buffer) {
        memory.write(offset, buffer, 0, buffer.length);
        changed(offset, buffer.length, offset, buffer.length);
    }

    /**
     * Copies a ROM blob to offset 0, as QEMU's loader does for {@code -bios}: only the blob's non-zero pages cost
     * memory. A zero page of the blob is discarded where the bank holds data there (what the guest programmed before a
     * reset), and left alone, untouched, where it holds none. Not written back.
     */
    void copyBlob(byte[] blob) {
        final int page = 4096;
        for (int at = 0; at < blob.length; at += page) {
            int n = Math.min(page, blob.length - at);
            if (isZero(blob, at, n)) {
                if (memory.holdsData(at)) {
                    memory.discard(at, n);
                }
            } else {
                memory.write(at, blob, at, n);
            }
        }
        if (blob.length > 0) {
            listener.changed(0, blob.length);
        }
    }

    /** Loads a ROM blob file at offset 0 as {@link RomBlob#loadInto} does; not written back. */
    void mapBlob(RomBlob blob) {
        blob.loadInto(memory);
        if (blob.size() > 0) {
            listener.changed(0, blob.size());
        }
    }

    /** Makes earlier write-backs durable. */
    void flush() throws IOException {
        if (writeBack != null) {
            writeBack.flush();
        }
    }

    /** How many write-backs failed since the bank was built. */
    long writeBackFailures() {
        return writeBackFailures;
    }

    /** The reason of the last failed write-back (e.g. {@code No space left on device}), or {@code null}. */
    String lastWriteBackError() {
        return lastWriteBackError;
    }

    private void changed(long offset, long length, long writeBackOffset, long writeBackLength) {
        listener.changed(offset, length);
        if (writeBack == null) {
            return;
        }
        try {
            writeBack.write(memory, writeBackOffset, writeBackLength);
        } catch (IOException | RuntimeException e) {
            writeBackFailures++;
            lastWriteBackError = reason(e);
            if (ioWarnings.tryAcquire()) {
                LOG.warn("{}: could not write 0x{} bytes at 0x{} back to {}: {}; the guest goes on, the image misses "
                                + "this change{}", name, Long.toHexString(writeBackLength),
                        Long.toHexString(writeBackOffset), imageName, lastWriteBackError, ioWarnings.suppressedNote());
            }
        }
    }

    /** The host's words for a failure: the message of an I/O error ("No space left on device"), else the exception. */
    private static String reason(Exception e) {
        String m = e.getMessage();
        if (e instanceof IOException && m != null && !m.isBlank()) {
            return m;
        }
        return e.toString();
    }

    private static boolean isZero(byte[] b, int from, int length) {
        return Zeros.isZero(b, from, length);
    }
}
