package dev.virtflash.hw.pflash;

import dev.virtflash.memory.MmioHandler;
import dev.virtflash.memory.PostedWrites;
import dev.virtflash.memory.WarnLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus side of a bank: turns any access into the naturally aligned 1-, 2- and 4-byte cycles QEMU's model sees
 * (spec §1.3), so every caller (CPU binding, tests, tools) gets QEMU's behaviour.
 * <ul>
 *   <li>An access is cut into pieces in ascending address order; each piece is as large as the lowest set bit of
 *       {@code (remaining size | address | 4)}. This is TCG's MMIO split (aligned pieces of up to 8 bytes) followed
 *       by the memory core's split of 8-byte pieces into two 4-byte cycles, lower address first. So an aligned
 *       8-byte store is two write cycles, a 4-byte store at offset 2 is two 2-byte cycles, a 4-byte store at
 *       offset 1 is four byte cycles, and an 8-byte store at offset 6 is four 2-byte cycles.</li>
 *   <li>Read pieces are assembled little-endian.</li>
 *   <li>Pieces that fall outside the bank are dropped (writes) or read as 0, with a rate-limited WARN; nothing
 *       throws for any offset, size or value.</li>
 * </ul>
 * Sizes other than 1, 2, 4 and 8 are served the same way (any positive size up to 8).
 */
final class PflashBus implements MmioHandler {

    private static final Logger LOG = LoggerFactory.getLogger(PflashBus.class);

    private final String name;
    private final CommandEngine engine;
    private final long size;
    private final WarnLimiter warnings = WarnLimiter.standard();

    PflashBus(String name, CommandEngine engine, long size) {
        this.name = name;
        this.engine = engine;
        this.size = size;
    }

    @Override
    public long read(long offset, int width) {
        long value;
        if ((width == 4 || width == 2 || width == 1) && (offset & (width - 1)) == 0
                && offset >= 0 && offset <= size - width) {
            value = engine.read(offset, width);
        } else {
            value = splitRead(offset, width);
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("{}: read 0x{} size {} = 0x{} ({})", name, Long.toHexString(offset), width,
                    Long.toHexString(value), engine.state());
        }
        return value;
    }

    @Override
    public void write(long offset, int width, long value) {
        if (LOG.isTraceEnabled()) {
            LOG.trace("{}: write 0x{} size {} value 0x{} ({})", name, Long.toHexString(offset), width,
                    Long.toHexString(value), engine.state());
        }
        if ((width == 4 || width == 2 || width == 1) && (offset & (width - 1)) == 0
                && offset >= 0 && offset <= size - width) {
            engine.write(offset, width, value & QueryReads.mask(width));
        } else {
            splitWrite(offset, width, value);
        }
    }

    @Override
    public PostedWrites postedWrites() {
        return engine.postedWrites();
    }

    private long splitRead(long offset, int width) {
        if (!validWidth(offset, width)) {
            return 0;
        }
        long value = 0;
        int done = 0;
        while (done < width) {
            long at = offset + done;
            int piece = piece(width - done, at);
            if (at >= 0 && at <= size - piece) {
                value |= engine.read(at, piece) << (8 * done);
            } else {
                outside("read", at, piece);
            }
            done += piece;
        }
        return value;
    }

    private void splitWrite(long offset, int width, long value) {
        if (!validWidth(offset, width)) {
            return;
        }
        int done = 0;
        while (done < width) {
            long at = offset + done;
            int piece = piece(width - done, at);
            if (at >= 0 && at <= size - piece) {
                engine.write(at, piece, (value >>> (8 * done)) & QueryReads.mask(piece));
            } else {
                outside("write", at, piece);
            }
            done += piece;
        }
    }

    /** The size of the next aligned piece: the lowest set bit of {@code remaining | address | 4}. */
    static int piece(int remaining, long address) {
        return (int) Long.lowestOneBit(remaining | address | 4);
    }

    private boolean validWidth(long offset, int width) {
        if (width >= 1 && width <= 8) {
            return true;
        }
        if (warnings.tryAcquire()) {
            LOG.warn("{}: access of {} bytes at 0x{} ignored, expected 1 to 8 bytes{}", name, width,
                    Long.toHexString(offset), warnings.suppressedNote());
        }
        return false;
    }

    private void outside(String kind, long at, int piece) {
        if (warnings.tryAcquire()) {
            LOG.warn("{}: {} of {} bytes at 0x{} is outside the bank, ignored{}", name, kind, piece,
                    Long.toHexString(at), warnings.suppressedNote());
        }
    }
}
