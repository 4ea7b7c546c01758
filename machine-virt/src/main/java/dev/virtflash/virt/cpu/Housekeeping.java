package dev.virtflash.virt.cpu;

/**
 * Work a board does on its CPU thread between two runs of the guest, when it is due: then nothing writes guest
 * memory (RAM merging). The CPU runs it at a stop (an alarm stops the guest at the due time) and while the guest waits
 * for an interrupt (WFI), each with its own due time: work can be cheaper to do, or more welcome, in an idle guest.
 */
public interface Housekeeping {

    /**
     * When the work is next due ({@link System#nanoTime()}), for a guest that waits for an interrupt ({@code idle})
     * or one that runs; {@link Long#MAX_VALUE} for never.
     */
    long dueNanos(boolean idle);

    /** Does the work (called when {@link #dueNanos} has passed for {@code idle}). */
    void run(long now, boolean idle);
}
