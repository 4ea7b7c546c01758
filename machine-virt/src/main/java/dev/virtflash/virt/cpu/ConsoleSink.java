package dev.virtflash.virt.cpu;

/**
 * Where the guest's semihosting console output goes ({@code SYS_WRITEC}, {@code SYS_WRITE0}). A board connects it
 * to the same place as its UART's output. Called on the CPU thread; must not throw.
 */
@FunctionalInterface
public interface ConsoleSink {

    /** Drops everything. */
    ConsoleSink DISCARD = bytes -> { };

    /** The guest wrote {@code bytes} (raw bytes, no encoding applied). */
    void write(byte[] bytes);
}
