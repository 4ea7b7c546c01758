package dev.virtflash.virt.devices.gic;

import dev.virtflash.virt.devices.InterruptLine;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The EL1 physical and virtual timers of the Arm generic timer (Arm ARM D11) as QEMU 7.2's {@code target/arm}
 * presents them, reduced to what the board needs around Unicorn: the timers' CTL and CVAL state, their register
 * semantics for a given counter value, the PPI levels they drive into the GIC, and the host time of the next
 * timer event (for sleeping in WFI).
 *
 * <p><b>Not emulated:</b> the counter itself (CNTPCT/CNTVCT: the caller passes the physical count it read; with
 * Unicorn 2.1.1 that count is {@code CLOCK_MONOTONIC / 16 ns}, i.e. {@code System.nanoTime() / 16} at 62.5 MHz, and
 * the virtual count is the physical count minus CNTVOFF_EL2); the EL2 (hypervisor) and Secure physical timers, whose
 * PPIs 26 and 29 stay low (firmware at EL1 cannot reach them); EL0 access control (CNTKCTL_EL1); event streams.
 *
 * <p><b>Why this exists.</b> Measured with Unicorn 2.1.1 (see {@code docs/firmware-devices.md}): guest {@code MSR}
 * writes to CNTP_CTL_EL0, CNTP_CVAL_EL0, CNTV_CTL_EL0 and CNTV_CVAL_EL0 are silently discarded (only CNT*_TVAL
 * writes land), ISTATUS is never set, and no timer interrupt is ever raised. Host {@code UC_ARM64_REG_CP_REG} reads
 * and writes of all of them work, and a {@code UC_HOOK_INSN} hook on {@code UC_ARM64_INS_MRS}/{@code MSR} sees every
 * access with its encoding and may answer it (return 1 to skip the instruction, writing the destination register for
 * an MRS). The CPU binding therefore routes MRS/MSR of the six registers that {@link #decode} recognises to
 * {@link #read} and {@link #write}, calls {@link #refresh} at each stop to update the PPIs, and sleeps in WFI until
 * {@link #nextDeadlineNanos}. (A binding that instead keeps the registers inside Unicorn, where host CP_REG writes
 * land, can copy CTL and CVAL here with {@link #write} at each stop and then use {@link #asserted} and
 * {@link #nextDeadlineNanos}.)
 *
 * <p>Semantics (QEMU's {@code gt_recalc_timer}): ISTATUS = ENABLE and count &ge; CVAL (unsigned, virtual count for
 * the virtual timer); the PPI is ISTATUS and not IMASK; CTL writes change ENABLE and IMASK only; TVAL reads
 * {@code (uint32) (CVAL - count)} and a TVAL write sets CVAL = count + the sign-extended 32-bit value.
 *
 * <p>Not thread-safe: every call comes from the CPU thread. No call allocates.
 */
public final class TimerLines {

    private static final Logger LOG = LoggerFactory.getLogger(TimerLines.class);

    /** GIC ID of the non-secure EL1 physical timer on {@code virt} (PPI 14). */
    public static final int IRQ_PHYSICAL = 30;
    /** GIC ID of the EL1 virtual timer on {@code virt} (PPI 11). */
    public static final int IRQ_VIRTUAL = 27;
    /** GIC ID of the secure EL1 physical timer on {@code virt} (PPI 13); not driven here. */
    public static final int IRQ_SECURE_PHYSICAL = 29;
    /** GIC ID of the EL2 physical timer on {@code virt} (PPI 10); not driven here. */
    public static final int IRQ_HYPERVISOR = 26;
    /** CNTFRQ_EL0 on QEMU 7.2 and Unicorn 2.1.1: 62.5 MHz (a 16 ns tick). */
    public static final long QEMU_FREQUENCY_HZ = 62_500_000L;

    /** CNT*_CTL_EL0: the timer is enabled. */
    public static final int CTL_ENABLE = 1;
    /** CNT*_CTL_EL0: the interrupt is masked. */
    public static final int CTL_IMASK = 1 << 1;
    /** CNT*_CTL_EL0: the timer condition is met (read-only). */
    public static final int CTL_ISTATUS = 1 << 2;

    /** {@link #nextDeadlineNanos} when no timer will fire. */
    public static final long NEVER = Long.MAX_VALUE;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** One of the two EL1 timers. */
    public enum Timer {
        /** CNTP_*_EL0, counting CNTPCT. */
        PHYSICAL(IRQ_PHYSICAL, 2),
        /** CNTV_*_EL0, counting CNTVCT = CNTPCT - CNTVOFF_EL2. */
        VIRTUAL(IRQ_VIRTUAL, 3);

        private final int irq;
        private final int crm;

        Timer(int irq, int crm) {
            this.irq = irq;
            this.crm = crm;
        }

        /** The GIC interrupt ID of this timer's PPI on {@code virt}. */
        public int irq() {
            return irq;
        }
    }

    /** A timer register: the timer and which of its three registers (op2 0 = TVAL, 1 = CTL, 2 = CVAL). */
    public enum Register {
        /** CNTP_TVAL_EL0: S3_3_C14_C2_0. */
        CNTP_TVAL(Timer.PHYSICAL),
        /** CNTP_CTL_EL0: S3_3_C14_C2_1. */
        CNTP_CTL(Timer.PHYSICAL),
        /** CNTP_CVAL_EL0: S3_3_C14_C2_2. */
        CNTP_CVAL(Timer.PHYSICAL),
        /** CNTV_TVAL_EL0: S3_3_C14_C3_0. */
        CNTV_TVAL(Timer.VIRTUAL),
        /** CNTV_CTL_EL0: S3_3_C14_C3_1. */
        CNTV_CTL(Timer.VIRTUAL),
        /** CNTV_CVAL_EL0: S3_3_C14_C3_2. */
        CNTV_CVAL(Timer.VIRTUAL);

        private final Timer timer;

        Register(Timer timer) {
            this.timer = timer;
        }

        /** The timer this register belongs to. */
        public Timer timer() {
            return timer;
        }

        /** The {@code op2} field of the encoding: 0 TVAL, 1 CTL, 2 CVAL. */
        int op2() {
            return ordinal() % 3;
        }
    }

    private static final Register[] REGISTERS = Register.values();

    private final InterruptLine physicalLine;
    private final InterruptLine virtualLine;
    private final long frequencyHz;
    private final int[] ctl = new int[2];
    private final long[] cval = new long[2];
    private final boolean[] level = new boolean[2];
    private long virtualOffset;

    /**
     * Timers at reset (disabled, CVAL 0) driving {@code physicalLine} and {@code virtualLine}.
     *
     * @param frequencyHz the counter frequency (CNTFRQ_EL0), 1 Hz to 1 GHz; {@link #QEMU_FREQUENCY_HZ} on virt
     * @throws IllegalArgumentException if the frequency is out of range
     */
    public TimerLines(InterruptLine physicalLine, InterruptLine virtualLine, long frequencyHz) {
        this.physicalLine = Objects.requireNonNull(physicalLine, "physicalLine");
        this.virtualLine = Objects.requireNonNull(virtualLine, "virtualLine");
        if (frequencyHz < 1 || frequencyHz > NANOS_PER_SECOND) {
            throw new IllegalArgumentException("generic timer frequency " + frequencyHz
                    + " Hz, expected 1 Hz to 1 GHz");
        }
        this.frequencyHz = frequencyHz;
    }

    /** Timers on QEMU's 62.5 MHz counter driving PPIs 30 and 27 of {@code gic}. */
    public static TimerLines forGic(GicV2 gic) {
        return new TimerLines(gic.line(IRQ_PHYSICAL), gic.line(IRQ_VIRTUAL), QEMU_FREQUENCY_HZ);
    }

    /**
     * The timer register named by a system-register encoding (as {@code uc_arm64_cp_reg} gives it), or null for any
     * other register (the counters CNTPCT/CNTVCT and CNTFRQ included: those stay with the CPU).
     */
    public static Register decode(int op0, int op1, int crn, int crm, int op2) {
        if (op0 != 3 || op1 != 3 || crn != 14 || op2 > 2 || op2 < 0) {
            return null;
        }
        if (crm == Timer.PHYSICAL.crm) {
            return REGISTERS[op2];
        }
        if (crm == Timer.VIRTUAL.crm) {
            return REGISTERS[3 + op2];
        }
        return null;
    }

    /** CNTVOFF_EL2: the virtual count is the physical count minus this (0 unless firmware at EL2 sets it). */
    public void setVirtualOffset(long cntvoff) {
        this.virtualOffset = cntvoff;
    }

    /** The current CNTVOFF_EL2. */
    public long virtualOffset() {
        return virtualOffset;
    }

    /** The count {@code timer} compares against, given the physical count. */
    public long count(Timer timer, long physicalCount) {
        return timer == Timer.VIRTUAL ? physicalCount - virtualOffset : physicalCount;
    }

    /** A guest read (MRS) of {@code register} when the physical counter reads {@code physicalCount}. */
    public long read(Register register, long physicalCount) {
        int t = register.timer().ordinal();
        long count = count(register.timer(), physicalCount);
        switch (register.op2()) {
            case 0:
                return Integer.toUnsignedLong((int) (cval[t] - count));
            case 1:
                return ctl[t] | (conditionMet(t, count) ? CTL_ISTATUS : 0);
            default:
                return cval[t];
        }
    }

    /**
     * A guest write (MSR) of {@code value} to {@code register} when the physical counter reads
     * {@code physicalCount}; the timer's PPI is updated at once.
     */
    public void write(Register register, long value, long physicalCount) {
        Timer timer = register.timer();
        int t = timer.ordinal();
        long count = count(timer, physicalCount);
        switch (register.op2()) {
            case 0:
                cval[t] = count + (int) value; // sign-extended 32 bits
                break;
            case 1:
                ctl[t] = (int) value & (CTL_ENABLE | CTL_IMASK);
                break;
            default:
                cval[t] = value;
                break;
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("timer: {} = 0x{} at count 0x{}", register, Long.toHexString(value), Long.toHexString(count));
        }
        updateLine(timer, count);
    }

    /** Re-evaluates both PPIs for {@code physicalCount} and drives the lines that changed. */
    public void refresh(long physicalCount) {
        updateLine(Timer.PHYSICAL, physicalCount);
        updateLine(Timer.VIRTUAL, physicalCount - virtualOffset);
    }

    /** The level last driven on {@code timer}'s PPI. */
    public boolean asserted(Timer timer) {
        return level[timer.ordinal()];
    }

    /**
     * The host time, in the clock of {@code nowNanos}, at which a PPI that is low now will rise: the earliest
     * CVAL among enabled, unmasked timers whose condition is not yet met, converted with the counter frequency and
     * rounded up to the next nanosecond. {@link #NEVER} when no timer will fire (disabled or masked timers, and
     * timers already firing: their line is already high). Saturates at {@link #NEVER}.
     *
     * @param physicalCount the physical count read at {@code nowNanos}
     */
    public long nextDeadlineNanos(long physicalCount, long nowNanos) {
        long best = NEVER;
        for (Timer timer : Timer.values()) {
            int t = timer.ordinal();
            long count = count(timer, physicalCount);
            if ((ctl[t] & (CTL_ENABLE | CTL_IMASK)) != CTL_ENABLE || conditionMet(t, count)) {
                continue;
            }
            long deadline = addSaturating(nowNanos, ticksToNanos(cval[t] - count));
            best = Math.min(best, deadline);
        }
        return best;
    }

    /** Back to the reset state: both timers disabled, CVAL and CNTVOFF 0; the lines are driven low. */
    public void reset() {
        ctl[0] = ctl[1] = 0;
        cval[0] = cval[1] = 0;
        virtualOffset = 0;
        setLevel(Timer.PHYSICAL, false);
        setLevel(Timer.VIRTUAL, false);
    }

    /** Nanoseconds (rounded up) for {@code ticks} (unsigned) of the counter; saturates at {@link #NEVER}. */
    long ticksToNanos(long ticks) {
        long seconds = Long.divideUnsigned(ticks, frequencyHz);
        long rest = Long.remainderUnsigned(ticks, frequencyHz);
        if (seconds >= NEVER / NANOS_PER_SECOND) {
            return NEVER;
        }
        long restNanos = (rest * NANOS_PER_SECOND + frequencyHz - 1) / frequencyHz; // rest < 1e9: no overflow
        return seconds * NANOS_PER_SECOND + restNanos;
    }

    private static long addSaturating(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? NEVER : sum;
    }

    private boolean conditionMet(int t, long count) {
        return (ctl[t] & CTL_ENABLE) != 0 && Long.compareUnsigned(count, cval[t]) >= 0;
    }

    private void updateLine(Timer timer, long count) {
        int t = timer.ordinal();
        setLevel(timer, conditionMet(t, count) && (ctl[t] & CTL_IMASK) == 0);
    }

    private void setLevel(Timer timer, boolean newLevel) {
        int t = timer.ordinal();
        if (level[t] != newLevel) {
            level[t] = newLevel;
            if (LOG.isTraceEnabled()) {
                LOG.trace("timer: {} line {}", timer, newLevel);
            }
            (timer == Timer.PHYSICAL ? physicalLine : virtualLine).set(newLevel);
        }
    }
}
