package dev.virtflash.memory;

/**
 * The bus side of a device: reads and writes at an offset relative to the start of the device's region. A device
 * never learns where the board placed it.
 *
 * <p>Sizes are 1, 2, 4 or 8 bytes; values are little-endian and occupy the low {@code size * 8} bits. An
 * implementation must not throw for any offset inside its region or any value: a guest mistake is logged and answered
 * with a defined result.
 */
public interface MmioHandler {

    /** A read of {@code size} bytes at {@code offset}; the result is zero-extended. */
    long read(long offset, int size);

    /** A write of the low {@code size} bytes of {@code value} at {@code offset}. */
    void write(long offset, int size, long value);

    /**
     * The writes this device lets a CPU post now (see {@link PostedWrites}), or null (the default): every write is
     * delivered as it happens.
     */
    default PostedWrites postedWrites() {
        return null;
    }

    /** Whether {@code size} is one of the access sizes 1, 2, 4, 8. */
    static boolean isAccessSize(int size) {
        return size == 1 || size == 2 || size == 4 || size == 8;
    }
}
