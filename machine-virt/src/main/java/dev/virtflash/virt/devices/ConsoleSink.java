package dev.virtflash.virt.devices;

/**
 * Where the guest's console output goes: the UART's transmitted bytes and the CPU's semihosting console
 * ({@code SYS_WRITEC}, {@code SYS_WRITE0}), to the terminal, a file or a test's buffer. Called on the CPU thread;
 * must not throw for I/O trouble: log it and drop the bytes.
 */
@FunctionalInterface
public interface ConsoleSink {

    /** Drops everything. */
    ConsoleSink DISCARD = b -> { };

    /** Takes one byte (0-255). */
    void put(int b);

    /** Takes {@code bytes} in order (raw bytes, no encoding applied). */
    default void write(byte[] bytes) {
        for (byte b : bytes) {
            put(b & 0xFF);
        }
    }
}
