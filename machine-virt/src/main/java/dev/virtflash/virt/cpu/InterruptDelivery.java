package dev.virtflash.virt.cpu;

import java.util.concurrent.locks.LockSupport;

/**
 * Interrupt delivery for a CPU created with an {@link InterruptWiring} (CPU thread only, between runs of the
 * engine): at every precise stop it brings the timers and devices up to date, takes an asserted and unmasked IRQ or
 * FIQ into the guest's EL1 vector table ({@link ExceptionEntry#enterInterrupt}), polls a masked one, and arms the
 * {@link DeadlineAlarm} for the next event; at a {@code WFI} it sleeps until an input is asserted, a deadline
 * passes, or an external stop is requested. Owns the masked-polling state and the interrupt counters.
 */
final class InterruptDelivery {

    /**
     * While an asserted interrupt stays masked, the CPU looks at the mask again after each block for this many stops
     * (precise: the interrupt is taken right after the instruction that unmasks it), then at growing intervals.
     */
    static final int MASKED_PRECISE_POLLS = 64;
    /** First and longest interval between looks at a masked interrupt once the precise polls are used up. */
    static final long MASKED_POLL_MIN_NANOS = 50_000;
    static final long MASKED_POLL_MAX_NANOS = 1_000_000;

    private final UnicornEngine engine;
    private final PreciseStopper stopper;
    private final InterruptWiring wiring;
    private final GenericTimerBinding timer;
    private final DeadlineAlarm alarm;
    /** Whose external stop request ends a wait (and which a wait asks for when its thread is interrupted). */
    private final RunControl control;

    private long interruptsTaken;
    private long waitsForInterrupt;
    private long maskedPolls;
    /** Stops in a row that found an asserted interrupt masked, and the current interval of timed looks. */
    private int maskedStreak;
    private long maskedInterval;
    /**
     * When the next timed look at a masked interrupt is due ({@link System#nanoTime()} clock), or 0 for none: fixed
     * when set, so that stops in between (a guest looping through WFI) do not keep pushing it away.
     */
    private long maskedLookAt;
    /** The last wait for an interrupt ended with one asserted: the stop that follows is a WFI's. */
    private boolean afterWfi;
    /** Work for the CPU thread between runs of the guest (RAM merging), or null. */
    private Housekeeping housekeeping;

    InterruptDelivery(UnicornEngine engine, PreciseStopper stopper, InterruptWiring wiring, GenericTimerBinding timer,
                      DeadlineAlarm alarm, RunControl control) {
        this.engine = engine;
        this.stopper = stopper;
        this.wiring = wiring;
        this.timer = timer;
        this.alarm = alarm;
        this.control = control;
    }

    /**
     * At a precise stop: brings timers and devices up to now, takes an asserted and unmasked interrupt, and arms the
     * deadline alarm for the next event. An asserted but masked input makes the next run stop after its first
     * block, to look at the mask again (MSR DAIFClr, MSR DAIF and ERET all end their block); after
     * {@link #MASKED_PRECISE_POLLS} such stops in a row, the alarm looks again instead, at intervals growing from
     * {@link #MASKED_POLL_MIN_NANOS} to {@link #MASKED_POLL_MAX_NANOS}, each look due at a fixed time. The stop
     * after a WFI that a masked interrupt ended always looks after the next block: before this, a Linux idle loop
     * (WFI with IRQs masked, then unmask) could spin through WFI for seconds with the interrupt pending, each of its
     * stops at the WFI, masked, and each pushing the timed look away.
     */
    void service() {
        boolean wfi = afterWfi;
        afterWfi = false;
        long now = System.nanoTime();
        long housekeepingDue = housekeeping == null ? Long.MAX_VALUE : housekeeping.dueNanos(false);
        if (housekeeping != null && housekeepingDue - now <= 0) {
            housekeeping.run(now, false);
            now = System.nanoTime();
            housekeepingDue = housekeeping.dueNanos(false);
        }
        timer.refresh(now);
        wiring.poll(now);
        boolean irq = wiring.irq();
        boolean fiq = wiring.fiq();
        long nextLook = Long.MAX_VALUE;
        boolean masked = false;
        if (irq || fiq) {
            long pstate = engine.pstate();
            boolean takeFiq = fiq && (pstate & ExceptionEntry.PSTATE_F) == 0;
            boolean takeIrq = irq && (pstate & ExceptionEntry.PSTATE_I) == 0;
            if (takeFiq || takeIrq) {
                if (ExceptionEntry.enterInterrupt(engine, takeFiq)) {
                    interruptsTaken++;
                }
            } else if (((pstate >>> 2) & 3) <= 1) {
                masked = true;
                maskedPolls++;
                if (wfi || maskedStreak < MASKED_PRECISE_POLLS) {
                    // Short critical sections: catch the unmasking instruction exactly. Always after a WFI that an
                    // interrupt ended with the interrupt masked: an idle loop (Linux's) unmasks right after it, and
                    // its WFI, which returns at once, would otherwise be the only stops the CPU makes.
                    if (!wfi) {
                        maskedStreak++;
                    }
                    maskedInterval = MASKED_POLL_MIN_NANOS;
                    stopper.requestAfter(engine.pc());
                } else {
                    // A long masked stretch (firmware writing flash with IRQs off, a loop of a few blocks): look
                    // again at growing intervals, so that it runs at full speed while still taking the interrupt
                    // soon after it is unmasked.
                    if (maskedLookAt == 0 || now - maskedLookAt >= 0) {
                        maskedLookAt = now + maskedInterval;
                        maskedInterval = Math.min(2 * maskedInterval, MASKED_POLL_MAX_NANOS);
                    }
                    nextLook = maskedLookAt;
                }
            }
        }
        if (!masked) {
            maskedStreak = 0;
            maskedLookAt = 0;
        }
        alarm.arm(Math.min(Math.min(nextLook, housekeepingDue),
                Math.min(timer.nextDeadlineNanos(now), wiring.nextEventNanos())));
    }

    /**
     * The guest executed WFI: sleeps until an interrupt input is asserted (masked or not, as on hardware), a timer or
     * device deadline brings one, or an external stop is requested. {@link UnicornCpu#wake()} makes it look again.
     * {@code blocker} is the object the thread parks on, for thread dumps.
     */
    void waitForInterrupt(Object blocker) {
        waitsForInterrupt++;
        alarm.arm(DeadlineAlarm.NEVER); // this thread keeps the time itself while it sleeps
        while (!control.externalStopPending()) {
            long now = System.nanoTime();
            timer.refresh(now);
            wiring.poll(now);
            if (wiring.irq() || wiring.fiq()) {
                afterWfi = true;
                return;
            }
            long deadline = Math.min(timer.nextDeadlineNanos(now), wiring.nextEventNanos());
            if (deadline - now <= 0) {
                continue;
            }
            if (housekeeping != null) {
                long due = housekeeping.dueNanos(true);
                if (due - now <= 0) {
                    housekeeping.run(now, true);
                    continue; // time passed: look at the inputs and deadlines again
                }
                deadline = Math.min(deadline, due);
            }
            if (Thread.currentThread().isInterrupted()) {
                // park would return at once forever: end the run as if stopped
                control.stopFromCpuThread();
                return;
            }
            LockSupport.parkNanos(blocker, deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - now);
        }
    }

    /** Runs {@code work} when due: at a stop of a running guest, and while the guest waits for an interrupt. */
    void housekeeping(Housekeeping work) {
        this.housekeeping = work;
    }

    /** How many IRQ and FIQ exceptions the CPU has taken into the guest. */
    long interruptsTaken() {
        return interruptsTaken;
    }

    /** How many WFI instructions made the CPU wait for an interrupt. */
    long waitsForInterrupt() {
        return waitsForInterrupt;
    }

    /** How many times an asserted interrupt input was found masked at a stop. */
    long maskedPolls() {
        return maskedPolls;
    }
}
