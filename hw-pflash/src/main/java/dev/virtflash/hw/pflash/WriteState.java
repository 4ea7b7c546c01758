package dev.virtflash.hw.pflash;

/**
 * The states of the write state machine (spec §1.4), each with QEMU's write cycle number and what reads return in
 * it. QEMU keeps the pair {@code (cmd, wcycle)}; every reachable pair maps to exactly one state here.
 *
 * <p>Only {@link #READ_ARRAY} serves reads from the array, so the region's {@code romd} flag is
 * {@code state == READ_ARRAY}.
 */
public enum WriteState {
    /** Reading the array (QEMU cmd 0x00, wcycle 0). Every write is decoded as a command. */
    READ_ARRAY(0, ReadMode.ARRAY),
    /**
     * Reading the status register at wcycle 0: after 0x70, and after a completed program, erase, lock or buffered
     * program (QEMU keeps cmd 0x40/0x10, 0x20, 0x60 or 0xE8 there). Every write is decoded as a new command.
     */
    READ_STATUS(0, ReadMode.STATUS),
    /** Reading identifier codes after 0x90 (wcycle 0). Every write is decoded as a new command. */
    READ_ID(0, ReadMode.ID),
    /** CFI query after 0x98 (wcycle 1). Sticky: only 0xFF leaves; anything else is ignored. */
    CFI_QUERY(1, ReadMode.CFI),
    /** After 0x40/0x10: the next write is the data to program. Reads return status. */
    PROGRAM_SETUP(1, ReadMode.STATUS),
    /** After 0x20 (the block is already erased): expects 0xD0 (confirm) or 0xFF. Reads return status. */
    ERASE_SETUP(1, ReadMode.STATUS),
    /** After 0x60: expects 0x01 (lock) or 0xD0 (unlock); anything else returns to read-array. */
    LOCK_SETUP(1, ReadMode.STATUS),
    /** After 0xE8: the next write is the count (N means N + 1 data cycles). Reads return status. */
    BUFFER_COUNT(1, ReadMode.STATUS),
    /** Buffered-program data cycles; values are data, never commands. Reads return status. */
    BUFFER_DATA(2, ReadMode.STATUS),
    /** After the last data cycle: expects 0xD0 to commit; anything else aborts. Reads return status. */
    BUFFER_CONFIRM(3, ReadMode.STATUS);

    /** What a read returns in a state. */
    public enum ReadMode {
        /** Array data. */
        ARRAY,
        /** The status register, replicated per chip. */
        STATUS,
        /** Identifier codes. */
        ID,
        /** The CFI query table. */
        CFI
    }

    private final int wcycle;
    private final ReadMode readMode;

    WriteState(int wcycle, ReadMode readMode) {
        this.wcycle = wcycle;
        this.readMode = readMode;
    }

    /** QEMU's write cycle number: 0 means the next write is decoded as a command. */
    public int wcycle() {
        return wcycle;
    }

    /** What reads return in this state. */
    public ReadMode readMode() {
        return readMode;
    }
}
