package dev.virtflash.hw.pflash;

import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_AMD_RESET;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_BLOCK_ERASE_CONFIRM;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_BLOCK_ERASE_SETUP;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_BUFFER_CONFIRM;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_CFI_QUERY;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_CLEAR_STATUS;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_LOCK_BLOCK;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_LOCK_SETUP;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_READ_ARRAY;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_READ_ARRAY_QEMU;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_READ_ID;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_READ_STATUS;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_UNLOCK_BLOCK;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_WORD_PROGRAM_SETUP;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_WORD_PROGRAM_SETUP_ALT;
import static dev.virtflash.hw.pflash.Cfi01Commands.CMD_WRITE_TO_BUFFER;
import static dev.virtflash.hw.pflash.StatusRegister.SR_ERASE_ERROR;
import static dev.virtflash.hw.pflash.StatusRegister.SR_PROGRAM_ERROR;
import static dev.virtflash.hw.pflash.StatusRegister.SR_READY;

import dev.virtflash.memory.PostedWrites;
import dev.virtflash.memory.WarnLimiter;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write state machine and the read decoder of one bank, for naturally aligned 1-, 2- and 4-byte bus cycles
 * (splitting wider or unaligned accesses is {@link PflashBus}'s job). Implements every row of spec §1.4 and §1.5;
 * where real NOR and QEMU 7.2 differ (program AND or overwrite, what 0x50 clears, a refused buffered program on a
 * read-only bank), the bank's {@link FlashSemantics} decides.
 *
 * <p>QEMU's read-path fallback for an unknown {@code cmd} ("cannot normally happen": treat as read-array and reset
 * {@code cmd} and {@code wcycle}) has no counterpart: the state is an enum whose every value has a read mode.
 *
 * <p>Every change of {@link #state()} goes through {@link #enter}, which tells the {@link RomdListener} as soon as the
 * bank leaves or re-enters read-array, before any storage change the command makes, as QEMU flips {@code romd}
 * before decoding a command. A write that leaves and re-enters read-array within one cycle (0xFF, 0x50, an unknown
 * command) makes no visible transition and so no report.
 */
final class CommandEngine {

    /** Hears the bank enter ({@code true}) or leave read-array. */
    interface RomdListener {
        void romdChanged(boolean romd);
    }

    private static final Logger LOG = LoggerFactory.getLogger(CommandEngine.class);

    private final String name;
    private final Geometry geometry;
    private final FlashStore store;
    private final QueryReads reads;
    private final RomdListener romdListener;
    private final boolean readOnly;
    private final FlashSemantics semantics;
    private final long sectorMask;
    private final long windowMask;
    private final long countMask;
    private final byte[] buffer;
    private final WarnLimiter guestWarnings = WarnLimiter.standard();

    private WriteState state = WriteState.READ_ARRAY;
    /** QEMU's {@code cmd}: the command byte that chose the current mode (0x00 for read-array), for diagnostics. */
    private int command = CMD_READ_ARRAY_QEMU;
    private int status = StatusRegister.RESET_VALUE;
    private long counter;
    /** Window base of the open write buffer, or -1. */
    private long bufferOffset = -1;

    CommandEngine(String name, Geometry geometry, FlashStore store, QueryReads reads, boolean readOnly,
                  FlashSemantics semantics, RomdListener romdListener) {
        this.name = name;
        this.semantics = semantics;
        this.geometry = geometry;
        this.store = store;
        this.reads = reads;
        this.readOnly = readOnly;
        this.romdListener = romdListener;
        this.sectorMask = ~(geometry.sectorLength() - 1);
        this.windowMask = ~((long) geometry.writeBufferSize() - 1);
        this.countMask = geometry.countMask();
        this.buffer = new byte[geometry.writeBufferSize()];
    }

    WriteState state() {
        return state;
    }

    int command() {
        return command;
    }

    int status() {
        return status;
    }

    long bufferOffset() {
        return bufferOffset;
    }

    long counter() {
        return counter;
    }

    boolean readOnly() {
        return readOnly;
    }

    FlashSemantics semantics() {
        return semantics;
    }

    /**
     * In the data phase of a buffered program, once its window is open: the data cycles that only fill the buffer
     * (all but the last, which moves on to the confirm), inside the window. Any other state: null.
     */
    PostedWrites postedWrites() {
        if (state != WriteState.BUFFER_DATA || bufferOffset == -1 || readOnly || counter == 0) {
            return null;
        }
        return new PostedWrites(bufferOffset, buffer.length, counter);
    }

    /** A read cycle: {@code width} is 1, 2 or 4, {@code offset} aligned to it and inside the bank. */
    long read(long offset, int width) {
        switch (state.readMode()) {
            case ARRAY:
                return store.load(offset, width);
            case STATUS:
                return reads.status(status, width);
            case ID:
                return reads.id(offset, width);
            case CFI:
                return reads.cfi(offset, width);
            default:
                throw new AssertionError(state);
        }
    }

    /**
     * A write cycle: {@code width} is 1, 2 or 4, {@code offset} aligned to it and inside the bank, {@code value}
     * holds only the low {@code width} bytes.
     */
    void write(long offset, int width, long value) {
        int cmd = (int) value & 0xFF;
        switch (state) {
            case READ_ARRAY:
            case READ_STATUS:
            case READ_ID:
                decodeCommand(offset, cmd);
                break;
            case CFI_QUERY:
                if (cmd == CMD_READ_ARRAY) {
                    readArray();
                } else if (LOG.isDebugEnabled()) {
                    LOG.debug("{}: 0x{} ignored in CFI query mode (only 0xff leaves it)", name,
                            Integer.toHexString(cmd));
                }
                break;
            case PROGRAM_SETUP:
                program(offset, width, value);
                break;
            case ERASE_SETUP:
                if (cmd == CMD_BLOCK_ERASE_CONFIRM) {
                    status |= SR_READY;
                    enter(WriteState.READ_STATUS);
                    debug("block erase confirm", offset);
                } else if (cmd == CMD_READ_ARRAY) {
                    readArray();
                } else {
                    unimplemented(offset, value);
                }
                break;
            case LOCK_SETUP:
                if (cmd == CMD_UNLOCK_BLOCK || cmd == CMD_LOCK_BLOCK) {
                    status |= SR_READY;
                    enter(WriteState.READ_STATUS);
                    debug(cmd == CMD_LOCK_BLOCK ? "lock block (no lock state kept)"
                            : "unlock block (no lock state kept)", offset);
                } else {
                    if (cmd != CMD_READ_ARRAY && LOG.isDebugEnabled()) {
                        LOG.debug("{}: unknown (un)locking command 0x{}, back to read-array", name,
                                Integer.toHexString(cmd));
                    }
                    readArray();
                }
                break;
            case BUFFER_COUNT:
                counter = value & countMask;
                enter(WriteState.BUFFER_DATA);
                if (LOG.isDebugEnabled()) {
                    LOG.debug("{}: write to buffer: {} data cycles", name, counter + 1);
                }
                break;
            case BUFFER_DATA:
                bufferData(offset, width, value);
                break;
            case BUFFER_CONFIRM:
                bufferConfirm(offset, cmd);
                break;
            default:
                throw new AssertionError(state);
        }
    }

    /** System reset (spec §1.2): status 0x80, read-array, any open buffer dropped; the array is kept. */
    void reset() {
        status = StatusRegister.RESET_VALUE;
        bufferOffset = -1;
        readArray();
    }

    private void decodeCommand(long offset, int cmd) {
        switch (cmd) {
            case CMD_READ_ARRAY_QEMU:
            case CMD_AMD_RESET:
            case CMD_READ_ARRAY:
                readArray();
                break;
            case CMD_WORD_PROGRAM_SETUP_ALT:
            case CMD_WORD_PROGRAM_SETUP:
                command = cmd;
                enter(WriteState.PROGRAM_SETUP);
                debug("word program setup", offset);
                break;
            case CMD_BLOCK_ERASE_SETUP:
                command = cmd;
                enter(WriteState.ERASE_SETUP);
                erase(offset);
                break;
            case CMD_CLEAR_STATUS:
                status = semantics.clearStatusKeepsReady() ? status & ~StatusRegister.ERROR_BITS : 0;
                debug("clear status", offset);
                readArray();
                break;
            case CMD_LOCK_SETUP:
                command = cmd;
                enter(WriteState.LOCK_SETUP);
                debug("lock setup", offset);
                break;
            case CMD_READ_STATUS:
                command = cmd;
                enter(WriteState.READ_STATUS);
                debug("read status register", offset);
                break;
            case CMD_READ_ID:
                command = cmd;
                enter(WriteState.READ_ID);
                debug("read identifier", offset);
                break;
            case CMD_CFI_QUERY:
                command = cmd;
                enter(WriteState.CFI_QUERY);
                debug("CFI query", offset);
                break;
            case CMD_WRITE_TO_BUFFER:
                command = cmd;
                status |= SR_READY;
                enter(WriteState.BUFFER_COUNT);
                debug("write to buffer", offset);
                break;
            default:
                unimplemented(offset, cmd);
                break;
        }
    }

    private void erase(long offset) {
        long block = offset & sectorMask;
        if (readOnly) {
            status |= SR_ERASE_ERROR;
            debug("block erase refused: read-only bank", offset);
        } else {
            store.erase(block, geometry.sectorLength());
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: block erase at 0x{} (0x{} bytes)", name, Long.toHexString(block),
                        Long.toHexString(geometry.sectorLength()));
            }
        }
        status |= SR_READY;
    }

    private void program(long offset, int width, long value) {
        if (readOnly) {
            status |= SR_PROGRAM_ERROR;
            debug("word program refused: read-only bank", offset);
        } else {
            store.program(offset, width, semantics.programAnds() ? value & store.load(offset, width) : value);
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: word program at 0x{}: 0x{} ({} bytes)", name, Long.toHexString(offset),
                        Long.toHexString(value), width);
            }
        }
        status |= SR_READY;
        enter(WriteState.READ_STATUS);
    }

    private void bufferData(long offset, int width, long value) {
        if (bufferOffset == -1 && (counter != 0 || semantics.countZeroPrograms())) {
            bufferOffset = offset & windowMask;
            if (semantics.programAnds()) {
                Arrays.fill(buffer, (byte) 0xFF); // the real part's buffer: bytes not loaded leave the array as is
            } else {
                store.snapshot(bufferOffset, buffer);
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: write buffer opened at 0x{}", name, Long.toHexString(bufferOffset));
            }
        }
        if (!readOnly && bufferOffset != -1) {
            long at = offset - bufferOffset;
            if (at < 0 || at + width > buffer.length) {
                status |= SR_PROGRAM_ERROR;
                if (LOG.isDebugEnabled()) {
                    LOG.debug("{}: buffered data at 0x{} outside the window at 0x{}: SR.4", name,
                            Long.toHexString(offset), Long.toHexString(bufferOffset));
                }
            } else {
                int i = (int) at;
                for (int b = 0; b < width; b++) {
                    buffer[i + b] = (byte) (value >>> (8 * b));
                }
            }
        } else {
            status |= SR_PROGRAM_ERROR;
            debug(readOnly ? "buffered data refused: read-only bank" : "buffered data with no open buffer", offset);
        }
        status |= SR_READY;
        if (counter == 0) {
            enter(WriteState.BUFFER_CONFIRM);
        } else {
            counter--;
        }
    }

    private void bufferConfirm(long offset, int cmd) {
        if (cmd == CMD_BUFFER_CONFIRM && (status & SR_PROGRAM_ERROR) == 0 && bufferOffset != -1) {
            if (semantics.programAnds()) {
                store.commitAnd(bufferOffset, buffer);
            } else {
                store.commit(bufferOffset, buffer);
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: write buffer committed at 0x{}", name, Long.toHexString(bufferOffset));
            }
            bufferOffset = -1;
            status |= SR_READY;
            enter(WriteState.READ_STATUS);
        } else if (cmd == CMD_BUFFER_CONFIRM && readOnly && semantics.refusedBufferReportsStatus()) {
            debug("buffered program refused: read-only bank (SR.4, status mode)", offset);
            bufferOffset = -1;
            status |= SR_READY;
            enter(WriteState.READ_STATUS);
        } else {
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: write buffer aborted (confirm 0x{}, status 0x{})", name, Integer.toHexString(cmd),
                        Integer.toHexString(status));
            }
            bufferOffset = -1;
            readArray();
        }
    }

    private void unimplemented(long offset, long value) {
        if (guestWarnings.tryAcquire()) {
            LOG.warn("{}: unimplemented flash command sequence (offset 0x{}, wcycle {}, cmd 0x{}, value 0x{}){}",
                    name, Long.toHexString(offset), state.wcycle(), Integer.toHexString(command),
                    Long.toHexString(value), guestWarnings.suppressedNote());
        }
        readArray();
    }

    private void readArray() {
        command = CMD_READ_ARRAY_QEMU;
        enter(WriteState.READ_ARRAY);
    }

    private void enter(WriteState next) {
        boolean wasArray = state == WriteState.READ_ARRAY;
        state = next;
        boolean isArray = next == WriteState.READ_ARRAY;
        if (wasArray != isArray) {
            romdListener.romdChanged(isArray);
        }
    }

    private void debug(String what, long offset) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: {} (offset 0x{})", name, what, Long.toHexString(offset));
        }
    }
}
