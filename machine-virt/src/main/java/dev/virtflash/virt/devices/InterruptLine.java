package dev.virtflash.virt.devices;

/** A device's interrupt output, as the interrupt controller sees it. Called on the thread of the access. */
@FunctionalInterface
public interface InterruptLine {

    /** The line's new level; called only when it changes. */
    void set(boolean level);

    /** A line connected to nothing (the board has no interrupt controller yet). */
    static InterruptLine unconnected() {
        return level -> {
        };
    }
}
