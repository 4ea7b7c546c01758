package dev.virtflash.virt.devices;

/** Where a UART's transmitted bytes go: the terminal, a file, a test's buffer. Called on the CPU thread. */
@FunctionalInterface
public interface ConsoleSink {

    /** Takes one transmitted byte (0-255). Must not throw for I/O trouble: log it and drop the byte. */
    void put(int b);
}
