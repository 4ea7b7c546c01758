package dev.virtflash.hw.pflash;

/**
 * Command bytes of the Intel/Sharp (CFI command set 0x0001) flash, as QEMU's {@code pflash_cfi01} decodes them. The
 * command is always the low byte of the written value, whatever the access width (spec §1.3).
 *
 * <p>Names follow the Intel StrataFlash / P30 datasheets ("Command Definitions" table). Commands that exist on real
 * parts but are not emulated are listed as well, so that tests and logs can name them; writing them is an
 * "unimplemented command sequence" that returns the bank to read-array (spec §1.4, §1.8).
 */
public final class Cfi01Commands {

    /** Read array (datasheet: Read Array). Leaves any mode except a pending buffered write's data cycles. */
    public static final int CMD_READ_ARRAY = 0xFF;
    /** QEMU's internal code for read-array; writing 0x00 at wcycle 0 also returns to read-array. */
    public static final int CMD_READ_ARRAY_QEMU = 0x00;
    /** AMD-style reset, sent by probing drivers (U-Boot); treated as read-array. */
    public static final int CMD_AMD_RESET = 0xF0;
    /** Word program setup (datasheet: Program Setup, alternate code). */
    public static final int CMD_WORD_PROGRAM_SETUP_ALT = 0x10;
    /** Word program setup (datasheet: Program Setup). The next write is the data. */
    public static final int CMD_WORD_PROGRAM_SETUP = 0x40;
    /** Block erase setup. QEMU erases the block on this write already (spec §1.8). */
    public static final int CMD_BLOCK_ERASE_SETUP = 0x20;
    /** Block erase confirm. */
    public static final int CMD_BLOCK_ERASE_CONFIRM = 0xD0;
    /** Buffered program confirm (same byte as the erase confirm). */
    public static final int CMD_BUFFER_CONFIRM = 0xD0;
    /**
     * Clear status register: resets the error bits and keeps SR.7 (real NOR, the default); on QEMU 7.2 the whole
     * register becomes 0x00, SR.7 included (spec §1.6). See {@link FlashSemantics}.
     */
    public static final int CMD_CLEAR_STATUS = 0x50;
    /** Lock / unlock setup. */
    public static final int CMD_LOCK_SETUP = 0x60;
    /** Second cycle after {@link #CMD_LOCK_SETUP}: lock the block (no lock state is kept). */
    public static final int CMD_LOCK_BLOCK = 0x01;
    /** Second cycle after {@link #CMD_LOCK_SETUP}: unlock the block (no lock state is kept). */
    public static final int CMD_UNLOCK_BLOCK = 0xD0;
    /** Read status register. */
    public static final int CMD_READ_STATUS = 0x70;
    /** Read identifier codes (datasheet: Read Device Identifier). */
    public static final int CMD_READ_ID = 0x90;
    /** CFI query. Sticky: only {@link #CMD_READ_ARRAY} leaves it (spec §1.4). */
    public static final int CMD_CFI_QUERY = 0x98;
    /** Write to buffer (buffered program setup). The next write is the count. */
    public static final int CMD_WRITE_TO_BUFFER = 0xE8;

    /** Not emulated: program/erase suspend. */
    public static final int CMD_SUSPEND = 0xB0;
    /** Not emulated: alternate block erase setup (accepted by some parts). */
    public static final int CMD_BLOCK_ERASE_SETUP_ALT = 0x28;
    /** Not emulated: lock-down (second cycle after {@link #CMD_LOCK_SETUP}). */
    public static final int CMD_LOCK_DOWN = 0x2F;
    /** Not emulated: configuration register (second cycle after {@link #CMD_LOCK_SETUP}). */
    public static final int CMD_SET_CONFIGURATION = 0x03;
    /** Not emulated: buffered enhanced factory programming. */
    public static final int CMD_BEFP_SETUP = 0x80;
    /** Not emulated: protection/OTP register program. */
    public static final int CMD_PROTECTION_PROGRAM = 0xC0;
    /** Not emulated: buffered program of a different family. */
    public static final int CMD_BUFFERED_PROGRAM_ALT = 0xE9;

    private Cfi01Commands() {
    }
}
