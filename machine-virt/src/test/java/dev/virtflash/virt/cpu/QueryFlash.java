package dev.virtflash.virt.cpu;

import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.MmioHandler;
import dev.virtflash.memory.RomDeviceRegion;
import java.util.ArrayList;
import java.util.List;

/**
 * A test stand-in for a flash bank: a ROM device whose handler knows three commands. 0x98 enters query mode (reads
 * return {@link #QUERY_WORD}, the CPU's fast path must give way to the handler), 0xFF returns to array mode, and
 * 0x40 arms a program: the next write stores its value into the memory and reports the change, then array mode.
 * Every write is recorded with its offset, size and value.
 */
final class QueryFlash implements MmioHandler {

    static final int CMD_QUERY = 0x98;
    static final int CMD_READ_ARRAY = 0xFF;
    static final int CMD_PROGRAM = 0x40;
    /** What a query-mode read returns per 32-bit word ("Q" in both halves, as a CFI flash at offset 0x40). */
    static final long QUERY_WORD = 0x0051_0051L;

    /** One bus write as the handler saw it. */
    record Write(long offset, int size, long value) {
    }

    private final HostMemory memory;
    private final RomDeviceRegion region;
    private final List<Write> writes = new ArrayList<>();
    private boolean programArmed;
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
        long word = QUERY_WORD | QUERY_WORD << 32;
        return size == 8 ? word : word & ((1L << (size * 8)) - 1);
    }

    @Override
    public void write(long offset, int size, long value) {
        writes.add(new Write(offset, size, value));
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
            case CMD_READ_ARRAY:
                region.setRomd(true);
                break;
            default:
                break;
        }
    }
}
