package dev.virtflash.virt.cpu;

import dev.virtflash.virt.devices.gic.TimerLines;

/**
 * Connects the guest's EL1 timer registers to {@link TimerLines} around Unicorn 2.1.1, which discards guest
 * {@code MSR} writes to CNTP/CNTV_CTL and _CVAL and never sets ISTATUS.
 *
 * <p>How: only {@code MSR} is intercepted (a {@code UC_HOOK_INSN} hook; Unicorn calls it for every MSR to a system
 * register, and writes are rare). A write to one of the six timer registers goes to {@link TimerLines} and is
 * skipped in Unicorn; then the timer's CTL (with ISTATUS as {@link TimerLines} computes it) and CVAL are copied into
 * Unicorn's own register fields with host CP_REG writes, which store the raw value. Guest {@code MRS} of CTL, CVAL
 * and TVAL, and of the counters, therefore run natively, with no upcall (EDK2 and U-Boot read system registers far
 * more often than they write them). ISTATUS rising with time is copied at the next stop the CPU makes for the
 * timer's deadline ({@link #refresh}), so a guest polling CTL sees it within the stop latency.
 *
 * <p>The counter is the one Unicorn runs on: {@code CLOCK_MONOTONIC / 16 ns} ({@link System#nanoTime()} / 16 at
 * 62.5 MHz); CNTVOFF_EL2 stays 0 (EL1 firmware cannot write it). Not emulated: EL0 access control through CNTKCTL
 * (Unicorn checks it for reads; writes from EL0 reach {@link TimerLines} unchecked); the EL2 and secure timers.
 */
final class GenericTimerBinding {

    /** Nanoseconds per counter tick at 62.5 MHz. */
    static final long NANOS_PER_TICK = 1_000_000_000L / TimerLines.QEMU_FREQUENCY_HZ;

    private static final int OP0 = 3;
    private static final int OP1 = 3;
    private static final int CRN = 14;
    private static final int OP2_CTL = 1;
    private static final int OP2_CVAL = 2;
    /** CRm of the physical and virtual timer registers, indexed by {@link TimerLines.Timer#ordinal()}. */
    private static final int[] CRM = {2, 3};

    private final UnicornEngine engine;
    private final TimerLines timers;
    private final int[][] ctlEncoding = new int[2][];
    private final int[][] cvalEncoding = new int[2][];
    /** What Unicorn's fields hold, to skip unchanged copies (valid only where {@code mirrored} is set). */
    private final long[] mirroredCtl = new long[2];
    private final long[] mirroredCval = new long[2];
    private final boolean[] mirrored = new boolean[2];
    private long writes;

    GenericTimerBinding(UnicornEngine engine, TimerLines timers) {
        this.engine = engine;
        this.timers = timers;
        for (int t = 0; t < 2; t++) {
            ctlEncoding[t] = new int[]{OP0, OP1, CRN, CRM[t], OP2_CTL};
            cvalEncoding[t] = new int[]{OP0, OP1, CRN, CRM[t], OP2_CVAL};
        }
    }

    /** The physical count now, as the guest reads it. */
    static long count(long nowNanos) {
        return nowNanos / NANOS_PER_TICK;
    }

    /**
     * A guest MSR: handles it and returns true if it writes a timer register (the caller then skips the
     * instruction), else returns false and changes nothing.
     */
    boolean write(int op0, int op1, int crn, int crm, int op2, long value) {
        TimerLines.Register register = TimerLines.decode(op0, op1, crn, crm, op2);
        if (register == null) {
            return false;
        }
        writes++;
        timers.write(register, value, count(System.nanoTime()));
        mirror(register.timer(), count(System.nanoTime()));
        return true;
    }

    /** Re-evaluates both timers at {@code nowNanos}: drives their PPIs and copies ISTATUS into Unicorn. */
    void refresh(long nowNanos) {
        long count = count(nowNanos);
        timers.refresh(count);
        mirror(TimerLines.Timer.PHYSICAL, count);
        mirror(TimerLines.Timer.VIRTUAL, count);
    }

    /** When the next timer PPI rises, {@link System#nanoTime()} clock, or {@link TimerLines#NEVER}. */
    long nextDeadlineNanos(long nowNanos) {
        return timers.nextDeadlineNanos(count(nowNanos), nowNanos);
    }

    /** Forgets what Unicorn's fields hold (after a CPU reset restored them). */
    void invalidate() {
        mirrored[0] = mirrored[1] = false;
    }

    /** Guest writes to timer registers handled so far. */
    long writes() {
        return writes;
    }

    private void mirror(TimerLines.Timer timer, long count) {
        int t = timer.ordinal();
        TimerLines.Register ctlRegister = timer == TimerLines.Timer.PHYSICAL ? TimerLines.Register.CNTP_CTL
                : TimerLines.Register.CNTV_CTL;
        TimerLines.Register cvalRegister = timer == TimerLines.Timer.PHYSICAL ? TimerLines.Register.CNTP_CVAL
                : TimerLines.Register.CNTV_CVAL;
        long ctl = timers.read(ctlRegister, count);
        long cval = timers.read(cvalRegister, count);
        if (!mirrored[t] || ctl != mirroredCtl[t]) {
            engine.sysReg(ctlEncoding[t], ctl);
            mirroredCtl[t] = ctl;
        }
        if (!mirrored[t] || cval != mirroredCval[t]) {
            engine.sysReg(cvalEncoding[t], cval);
            mirroredCval[t] = cval;
        }
        mirrored[t] = true;
    }
}
