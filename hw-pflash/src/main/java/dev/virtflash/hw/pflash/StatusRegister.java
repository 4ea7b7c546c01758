package dev.virtflash.hw.pflash;

/**
 * Bits of the 8-bit status register (SR) as QEMU sets them (spec §1.6). Bits accumulate until
 * {@link Cfi01Commands#CMD_CLEAR_STATUS} clears the {@link #ERROR_BITS} (real NOR, the default) or the whole register
 * (QEMU 7.2), see {@link FlashSemantics}. SR.6, SR.3, SR.2, SR.1 and SR.0 are never set.
 */
public final class StatusRegister {

    /** SR.7: write state machine ready. Set by every completed operation, at power-on and by reset. */
    public static final int SR_READY = 0x80;
    /** SR.6: erase suspended. Never set (no suspend). */
    public static final int SR_ERASE_SUSPENDED = 0x40;
    /** SR.5: erase error (erase of a read-only bank). */
    public static final int SR_ERASE_ERROR = 0x20;
    /** SR.4: program error (read-only bank, buffered data outside the window or with no open buffer). */
    public static final int SR_PROGRAM_ERROR = 0x10;
    /** SR.3: VPP low. Never set. */
    public static final int SR_VPP_LOW = 0x08;
    /** SR.2: program suspended. Never set. */
    public static final int SR_PROGRAM_SUSPENDED = 0x04;
    /** SR.1: block locked. Never set (no lock model). */
    public static final int SR_BLOCK_LOCKED = 0x02;

    /**
     * The bits Clear Status (0x50) resets on real parts: SR.5, SR.4, SR.3 and SR.1, which only the command clears
     * (28F128J3A datasheet, "Clear Status Register Command").
     */
    public static final int ERROR_BITS = SR_ERASE_ERROR | SR_PROGRAM_ERROR | SR_VPP_LOW | SR_BLOCK_LOCKED;

    /** The value after power-on and reset. */
    public static final int RESET_VALUE = SR_READY;

    /** The bits this model can ever set; any other bit set is a bug. */
    public static final int SETTABLE_BITS = SR_READY | SR_ERASE_ERROR | SR_PROGRAM_ERROR;

    private StatusRegister() {
    }
}
