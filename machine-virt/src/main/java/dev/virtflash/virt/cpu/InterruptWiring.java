package dev.virtflash.virt.cpu;

import dev.virtflash.virt.devices.gic.TimerLines;

/**
 * What a board connects to the core: its EL1 generic timers (whose PPIs the board wired to its interrupt
 * controller), the levels of the core's IRQ and FIQ inputs, and the devices whose time-driven events can change
 * them. {@link UnicornCpu} reads the inputs at every precise stop and takes an unmasked interrupt there; it sleeps in
 * {@code WFI} until the earliest of the timers' deadlines and {@link #nextEventNanos()}.
 *
 * <p>Every method is called on the CPU thread. When an input changes while the guest runs (a device write, a timer
 * register write), the board calls {@link UnicornCpu#interruptInputsChanged()}; when something outside the CPU
 * thread has news (console input), it calls {@link UnicornCpu#wake()}.
 */
public interface InterruptWiring {

    /** The core's EL1 physical and virtual timers; the CPU routes the guest's timer register writes here. */
    TimerLines timers();

    /** The level of the core's IRQ input (the interrupt controller's IRQ output). */
    boolean irq();

    /** The level of the core's FIQ input. */
    boolean fiq();

    /**
     * Brings devices up to the host time {@code nowNanos} ({@link System#nanoTime()} clock): fire due alarms, take in
     * waiting input. Called at every stop and whenever a sleeping {@code WFI} wakes.
     */
    void poll(long nowNanos);

    /** When the next device event other than the timers is due ({@link System#nanoTime()} clock), or
     * {@link Long#MAX_VALUE}. */
    long nextEventNanos();
}
