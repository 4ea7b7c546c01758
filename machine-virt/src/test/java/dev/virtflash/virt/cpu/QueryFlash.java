package dev.virtflash.virt.cpu;

import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.MmioHandler;
import dev.virtflash.memory.PostedWrites;
import dev.virtflash.memory.RomDeviceRegion;
import java.util.ArrayList;
import java.util.List;

/**
 * A test stand-in for a flash bank: a ROM device whose handler knows three commands. 0x98 enters query mode (reads
 * return {@link #QUERY_WORD}, the CPU's fast path must give way to the handler), 0xFF returns to array mode, and
 * 0x40 arms a program: the next write stores its value into the memory and reports the change, then array mode.
 * 0xE8 enters a posting mode, as a flash bank's buffered program does: the next {@link #POSTABLE} writes may be posted
 * if they fall in {@code [POST_WINDOW, POST_WINDOW + POST_WINDOW_SIZE)} ({@link #postedWrites}), reads return how many
 * writes the device has received, and a write of 0xFF outside the window returns to array mode.
 * Every write is recorded with its offset, size and value.
 */
final class QueryFlash implements MmioHandler {

    static final int CMD_QUERY = 0x98;
    static final int CMD_READ_ARRAY = 0xFF;
    static final int CMD_PROGRAM = 0x40;
    /** What a query-mode read returns per 32-bit word ("Q" in both halves, as a CFI flash at offset 0x40). */
    static final long QUERY_WORD = 0x0051_0051L;
    static final int CMD_POST = 0xE8;
    static final long POST_WINDOW = 0x1000;
    static final long POST_WINDOW_SIZE = 0x1000;
    /** Writes the posting mode lets the CPU post, in all: more than the CPU's stub holds at once. */
    static final long POSTABLE = 600;

    /** One bus write as the handler saw it. */
    record Write(long offset, int size, long value) {
    }

    private final HostMemory memory;
    private final RomDeviceRegion region;
    private final List<Write> writes = new ArrayList<>();
    private boolean programArmed;
    private boolean posting;
    private long postable;
    private long reads;

    QueryFlash(String name, long size) {
        memory = HostMemory.allocate(name, size);
        region = new RomDeviceRegion(name, memory, this);
    }

    RomDeviceRegion region() {
        return region;
    }

    HostMemory memory() {
        return memory;
    }

    List<Write> writes() {
        return writes;
    }

    long reads() {
        return reads;
    }

    @Override
    public long read(long offset, int size) {
        reads++;
        if (posting) {
            return writes.size();
        }
        long word = QUERY_WORD | QUERY_WORD << 32;
        return size == 8 ? word : word & ((1L << (size * 8)) - 1);
    }

    @Override
    public void write(long offset, int size, long value) {
        writes.add(new Write(offset, size, value));
        if (posting) {
            boolean inWindow = offset - POST_WINDOW >= 0 && offset - POST_WINDOW < POST_WINDOW_SIZE;
            if (inWindow && postable > 0) {
                postable--;
            } else if (!inWindow && value == CMD_READ_ARRAY) {
                posting = false;
                region.setRomd(true);
            }
            return;
        }
        if (programArmed) {
            programArmed = false;
            memory.store(offset, size, value);
            region.contentChanged(offset, size);
            region.setRomd(true);
            return;
        }
        switch ((int) (value & 0xFF)) {
            case CMD_QUERY:
                region.setRomd(false);
                break;
            case CMD_PROGRAM:
                programArmed = true;
                region.setRomd(false);
                break;
            case CMD_POST:
                posting = true;
                postable = POSTABLE;
                region.setRomd(false);
                break;
            case CMD_READ_ARRAY:
                region.setRomd(true);
                break;
            default:
                break;
        }
    }

    @Override
    public PostedWrites postedWrites() {
        return posting && postable > 0 ? new PostedWrites(POST_WINDOW, POST_WINDOW_SIZE, postable) : null;
    }
}
