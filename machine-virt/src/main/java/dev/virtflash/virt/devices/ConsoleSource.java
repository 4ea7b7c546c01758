package dev.virtflash.virt.devices;

/** Where a UART's received bytes come from. Polled on the CPU thread; must never block. */
@FunctionalInterface
public interface ConsoleSource {

    /** {@link #poll()}'s answer when no byte is waiting. */
    int NO_INPUT = -1;

    /** The next received byte (0-255), or {@link #NO_INPUT}. */
    int poll();

    /** A source that never has input. */
    static ConsoleSource none() {
        return () -> NO_INPUT;
    }
}
