package dev.virtflash.virt.devices;

/** Where a UART's received bytes come from. Polled on the CPU thread; must never block. */
@FunctionalInterface
public interface ConsoleSource {

    /** {@link #poll()}'s answer when no byte is waiting. */
    int NO_INPUT = -1;

    /** The next received byte (0-255), or {@link #NO_INPUT}. */
    int poll();

    /**
     * Asks to be told, from the thread that feeds this source, when bytes arrive, so that a CPU sleeping in WFI can
     * take them in at once (a board sets one listener; a new one replaces it). The default tells nobody: the board
     * then sees input at its next timer tick or device access.
     */
    default void setInputListener(Runnable listener) {
    }

    /** A source that never has input. */
    static ConsoleSource none() {
        return () -> NO_INPUT;
    }
}
