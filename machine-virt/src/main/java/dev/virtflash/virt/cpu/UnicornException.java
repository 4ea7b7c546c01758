package dev.virtflash.virt.cpu;

/** A Unicorn call failed; the message names the call, its arguments and Unicorn's error text. */
public final class UnicornException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int error;

    UnicornException(String call, int error) {
        super(call + " failed: " + UnicornLibrary.uc_strerror(error) + " (uc_err " + error + ")");
        this.error = error;
    }

    /** Unicorn's {@code uc_err} code. */
    public int error() {
        return error;
    }

    static void check(int error, String call) {
        if (error != UnicornLibrary.UC_ERR_OK) {
            throw new UnicornException(call, error);
        }
    }

    /** Like {@link #check(int, String)}; the call's name is {@link String#format} of the arguments, on failure only. */
    static void check(int error, String callFormat, Object... args) {
        if (error != UnicornLibrary.UC_ERR_OK) {
            throw new UnicornException(String.format(callFormat, args), error);
        }
    }
}
