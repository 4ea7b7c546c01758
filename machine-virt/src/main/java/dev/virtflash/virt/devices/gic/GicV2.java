package dev.virtflash.virt.devices.gic;

import static dev.virtflash.virt.devices.gic.GicIrqState.clear;
import static dev.virtflash.virt.devices.gic.GicIrqState.set;
import static dev.virtflash.virt.devices.gic.GicIrqState.test;

import dev.virtflash.memory.MmioHandler;
import dev.virtflash.virt.devices.GuestErrors;
import dev.virtflash.virt.devices.InterruptLine;
import java.util.Arrays;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A GICv2 (Arm IHI 0048B) with one CPU interface, as QEMU 7.2's {@code hw/intc/arm_gic.c} presents it on
 * {@code virt} ({@code "arm,cortex-a15-gic"}, 256 SPIs, no security extensions, no virtualization extensions).
 *
 * <p><b>Not emulated:</b> the security extensions (GICD_TYPER.SecurityExtn reads 0, as QEMU's {@code virt} without
 * {@code secure=on}; every access is treated as Secure, so both groups are visible and GICD_CTLR/GICC_CTLR have the
 * non-secure layout with EnableGrp0 and EnableGrp1); the virtualization extensions (GICH/GICV frames); the GICv2m
 * MSI frame; more than one CPU (ITARGETSR reads as zero and ignores writes, as QEMU does for a uniprocessor GIC; every
 * interrupt targets the one CPU; SGIs sent to other CPUs vanish); the aliased registers GICC_AIAR, GICC_AEOIR and
 * GICC_AHPPIR (QEMU 7.2 does not implement them either: they are logged as guest errors); interrupt bypass; wake-up
 * and power management; the GICv2 "1-N" model bits of ICFGR (read as 0). A write of 0 to a byte of GICD_SPENDSGIR
 * changes nothing here (QEMU 7.2 marks that SGI pending with no source CPU and then asserts in GICC_IAR).
 *
 * <p><b>Emulated</b> (reset values and behaviour measured on QEMU 7.2 with a bare-metal probe, see the tests):
 * GICD_CTLR, TYPER (0x8: 288 interrupts, one CPU), IIDR (0x43B), IGROUPR, IS/ICENABLER (SGIs always enabled),
 * IS/ICPENDR (SGIs only through SGIR and S/CPENDSGIR), IS/ICACTIVER, IPRIORITYR (all 8 bits), ITARGETSR (RAZ/WI),
 * ICFGR (SGIs always edge, PPIs and SPIs configurable), SGIR, CPENDSGIR, SPENDSGIR and the ID registers; GICC_CTLR
 * (writable bits 0x21F), PMR, BPR, IAR, EOIR, RPR (0xFF when idle), HPPIR, ABPR, APR0-3, NSAPR0-3, IIDR (0x2043B) and
 * DIR. Acknowledge, priority drop and deactivation follow QEMU: the highest-priority enabled, pending, inactive
 * interrupt whose priority is below PMR is the "current pending" one; it is signalled when its group priority (BPR
 * or, for Group 1 without CBPR, ABPR) is below the running priority, taken from the active-priority registers. A
 * Group 0 interrupt is signalled as FIQ when GICC_CTLR.FIQEn is set; a Group 1 interrupt is acknowledged only with
 * GICC_CTLR.AckCtl (otherwise IAR and HPPIR read 1022).
 *
 * <p>Inputs: {@link #setLevel(int, boolean)} for PPIs (16-31) and SPIs (32-287), or {@link #line(int)} to hand a
 * device an {@link InterruptLine}. Level-sensitive inputs are pending while high (or latched by ISPENDR); an input
 * configured edge-triggered latches pending on a rising edge. SGIs come only from the guest (GICD_SGIR). Outputs:
 * {@link #irqPending()}, {@link #fiqPending()} and an {@link OutputListener} told of every change, which the CPU
 * binding uses to take an IRQ exception at its next precise stop.
 *
 * <p>Bus behaviour, as QEMU's: the distributor decodes every byte (a 2- or 4-byte access is that many byte
 * accesses, except a 4-byte write to GICD_SGIR); the CPU interface decodes whole 32-bit registers at their exact
 * offset (a narrower access sees the low bits); an 8-byte access is two 4-byte accesses, low word first. Offsets
 * that are no register (including the distributor beyond 0xFFF and the CPU interface beyond 0x1000, which QEMU does
 * not map inside the 64 KiB windows) read as 0 and ignore writes, logged as guest errors. Nothing throws for a guest
 * access. Input levels survive {@link #reset()} (they belong to the devices driving them).
 *
 * <p>Not thread-safe: every call comes from the CPU thread, like every other device of the board. No call allocates.
 *
 * <p>Size: about 410 lines, just over the project's 400: the register decoder of the distributor and CPU interface;
 * the per-interrupt state already lives in {@link GicIrqState}.
 */
public final class GicV2 {

    private static final Logger LOG = LoggerFactory.getLogger(GicV2.class);

    /** Interrupt IDs: 16 SGIs, 16 PPIs and 256 SPIs, as QEMU's {@code virt} ({@code NUM_IRQS} 256 + 32). */
    public static final int NUM_IRQS = 288;
    /** Number of software-generated interrupts (IDs 0-15). */
    public static final int NUM_SGIS = 16;
    /** Number of private interrupts, SGIs and PPIs (IDs 0-31); SPIs start here. */
    public static final int NUM_PRIVATE = 32;
    /** GICC_IAR/HPPIR: no interrupt (spurious). */
    public static final int SPURIOUS = 1023;
    /** GICC_IAR/HPPIR: the pending interrupt is Group 1 and GICC_CTLR.AckCtl is clear. */
    public static final int SPURIOUS_GROUP1 = 1022;
    /** Size of the distributor window on {@code virt}. */
    public static final int DISTRIBUTOR_WINDOW = 0x1_0000;
    /** Size of the CPU interface window on {@code virt}. */
    public static final int CPU_INTERFACE_WINDOW = 0x1_0000;

    /** GICD_CTLR / GICC_CTLR: EnableGrp0. */
    static final int CTLR_EN_GRP0 = 1;
    /** GICD_CTLR / GICC_CTLR: EnableGrp1. */
    static final int CTLR_EN_GRP1 = 1 << 1;
    /** GICC_CTLR: AckCtl, Group 1 interrupts may be acknowledged through GICC_IAR. */
    static final int GICC_CTLR_ACK_CTL = 1 << 2;
    /** GICC_CTLR: FIQEn, Group 0 interrupts are signalled as FIQ. */
    static final int GICC_CTLR_FIQ_EN = 1 << 3;
    /** GICC_CTLR: CBPR, GICC_BPR controls both groups. */
    static final int GICC_CTLR_CBPR = 1 << 4;
    /** GICC_CTLR: EOImode, GICC_EOIR only drops priority and GICC_DIR deactivates. */
    static final int GICC_CTLR_EOIMODE = 1 << 9;
    /** GICC_CTLR bits a guest can write without the security extensions (measured: 0x21F). */
    static final int GICC_CTLR_WRITABLE = CTLR_EN_GRP0 | CTLR_EN_GRP1 | GICC_CTLR_ACK_CTL | GICC_CTLR_FIQ_EN
            | GICC_CTLR_CBPR | GICC_CTLR_EOIMODE;
    /** Smallest GICC_BPR (QEMU's GIC_MIN_BPR); GICC_ABPR is at least one more. */
    static final int MIN_BPR = 0;
    /** Number of active-priority registers per group (128 preemption levels). */
    static final int NUM_APRS = 4;
    /** Running priority when nothing is active. */
    static final int IDLE_PRIORITY = 0x100;
    /** Interrupt IDs from here on are special (1020-1023). */
    static final int FIRST_SPECIAL_ID = 1020;


    /** Notified when the IRQ or FIQ output to the CPU changes. */
    @FunctionalInterface
    public interface OutputListener {
        /** The new levels of the IRQ and FIQ outputs; called only when at least one changed. */
        void outputsChanged(boolean irq, boolean fiq);
    }

    final GuestErrors guestErrors = new GuestErrors(LOG, "gic");

    private final OutputListener listener;
    private final GicDistributor distributor = new GicDistributor(this);
    private final GicCpuInterface cpuInterface = new GicCpuInterface(this);

    // Distributor state: the control register here, one bit (or byte) per interrupt ID in irqs.
    int distCtlr;
    final GicIrqState irqs = new GicIrqState();

    // CPU interface state.
    int cpuCtlr;
    int priorityMask;
    int binaryPoint;
    int aliasedBinaryPoint;
    final int[] activePriorities = new int[NUM_APRS];
    final int[] nsActivePriorities = new int[NUM_APRS];
    private int runningPriority;
    private int currentPending;

    // Outputs.
    private boolean irqOut;
    private boolean fiqOut;

    /** A GIC in its reset state whose output changes nobody hears (poll {@link #irqPending()}). */
    public GicV2() {
        this((irq, fiq) -> {
        });
    }

    /** A GIC in its reset state that tells {@code listener} of every change of its outputs. */
    public GicV2(OutputListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        resetState();
    }

    /** The distributor's registers, for a {@link #DISTRIBUTOR_WINDOW}-byte window. */
    public MmioHandler distributor() {
        return distributor;
    }

    /** The CPU interface's registers, for a {@link #CPU_INTERFACE_WINDOW}-byte window. */
    public MmioHandler cpuInterface() {
        return cpuInterface;
    }

    /** Back to the reset state (QEMU's {@code arm_gic_common_reset}); input levels are kept. */
    public void reset() {
        resetState();
        update();
    }

    private void resetState() {
        distCtlr = 0;
        irqs.reset();
        cpuCtlr = 0;
        priorityMask = 0;
        binaryPoint = MIN_BPR;
        aliasedBinaryPoint = MIN_BPR + 1;
        Arrays.fill(activePriorities, 0);
        Arrays.fill(nsActivePriorities, 0);
        runningPriority = IDLE_PRIORITY;
        currentPending = SPURIOUS;
    }

    /**
     * Drives the input of a PPI (16-31) or SPI (32-287).
     *
     * @throws IllegalArgumentException for an SGI or an ID beyond {@link #NUM_IRQS} (a wiring mistake of the board)
     */
    public void setLevel(int irq, boolean level) {
        checkInput(irq);
        if (level == test(irqs.inputLevel, irq)) {
            return;
        }
        if (level) {
            set(irqs.inputLevel, irq);
            if (test(irqs.edgeTriggered, irq)) {
                set(irqs.pendingLatch, irq);
            }
        } else {
            clear(irqs.inputLevel, irq);
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("gic: input {} level {}", irq, level);
        }
        update();
    }

    /** The input of PPI or SPI {@code irq} as an {@link InterruptLine} to hand to a device. */
    public InterruptLine line(int irq) {
        checkInput(irq);
        return level -> setLevel(irq, level);
    }

    /** The current level of input {@code irq} (0-287; SGIs have none and read false). */
    public boolean inputLevel(int irq) {
        Objects.checkIndex(irq, NUM_IRQS);
        return test(irqs.inputLevel, irq);
    }

    /** Whether the CPU interface asserts IRQ to the core. */
    public boolean irqPending() {
        return irqOut;
    }

    /** Whether the CPU interface asserts FIQ to the core (a Group 0 interrupt with GICC_CTLR.FIQEn). */
    public boolean fiqPending() {
        return fiqOut;
    }

    private static void checkInput(int irq) {
        if (irq < NUM_SGIS || irq >= NUM_IRQS) {
            throw new IllegalArgumentException("GIC input " + irq + " does not exist: PPIs are 16-31, SPIs 32-"
                    + (NUM_IRQS - 1));
        }
    }

    /** GICD_SGIR. */
    void softwareInterrupt(int value) {
        int sgi = value & 0xf;
        int filter = (value >>> 24) & 3;
        int targets;
        switch (filter) {
            case 0:
                targets = (value >>> 16) & 0xff;
                break;
            case 1:
                targets = 0; // all but the requesting CPU: there is no other
                break;
            case 2:
                targets = 1;
                break;
            default:
                guestErrors.warn("GICD_SGIR with reserved target filter 3 (QEMU sends to all)", value);
                targets = 0xff;
                break;
        }
        if ((targets & 1) != 0) {
            irqs.addSgiSources(sgi, 1); // source: CPU 0
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("gic: SGI {} to target mask 0x{}", sgi, Integer.toHexString(targets));
        }
    }

    // ---- CPU interface operations; used by GicCpuInterface ----

    /** GICC_RPR: the running priority, 0xFF when idle. */
    int runningPriorityRegister() {
        return runningPriority == IDLE_PRIORITY ? 0xff : runningPriority;
    }

    /** GICC_HPPIR: the current pending interrupt as the CPU interface may show it. */
    int highestPending() {
        int irq = currentPending;
        if (irq < FIRST_SPECIAL_ID && test(irqs.group1, irq) && (cpuCtlr & GICC_CTLR_ACK_CTL) == 0) {
            return SPURIOUS_GROUP1;
        }
        return irq;
    }

    /** GICC_IAR: acknowledge the current pending interrupt, if its group priority beats the running priority. */
    int acknowledge() {
        int irq = highestPending();
        if (irq >= FIRST_SPECIAL_ID) {
            return irq;
        }
        if (groupPriority(irq) >= runningPriority) {
            return SPURIOUS;
        }
        int result;
        if (irq < NUM_SGIS) {
            int src = Integer.numberOfTrailingZeros(irqs.sgiSources[irq]) & 7;
            irqs.sgiSources[irq] &= ~(1 << src);
            if (irqs.sgiSources[irq] == 0) {
                clear(irqs.pendingLatch, irq);
            }
            result = irq | (src << 10);
        } else {
            clear(irqs.pendingLatch, irq); // a level-sensitive input that is still high stays pending
            result = irq;
        }
        activate(irq);
        update();
        if (LOG.isDebugEnabled()) {
            LOG.debug("gic: acknowledged {} (running priority 0x{})", irq, Integer.toHexString(runningPriority));
        }
        return result;
    }

    private void activate(int irq) {
        int prio = groupPriority(irq);
        int preemptionLevel = prio >> (MIN_BPR + 1);
        int[] aprs = test(irqs.group1, irq) ? nsActivePriorities : activePriorities;
        aprs[preemptionLevel / 32] |= 1 << (preemptionLevel % 32);
        runningPriority = prio;
        set(irqs.active, irq);
    }

    /** GICC_EOIR: drop the running priority and, unless EOImode, deactivate {@code irq}. */
    void endOfInterrupt(int irq) {
        if (irq >= NUM_IRQS) {
            return; // 1023 (spurious) or a non-existent ID: ignored, as QEMU
        }
        if (runningPriority == IDLE_PRIORITY) {
            guestErrors.warn("GICC_EOIR with no active interrupt", irq);
            return;
        }
        dropPriority(test(irqs.group1, irq));
        if ((cpuCtlr & GICC_CTLR_EOIMODE) == 0) {
            clear(irqs.active, irq);
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("gic: end of interrupt {}", irq);
        }
        update();
    }

    /** GICC_DIR: deactivate {@code irq}; only meaningful with GICC_CTLR.EOImode. */
    void deactivate(int irq) {
        if (irq >= NUM_IRQS) {
            return;
        }
        if ((cpuCtlr & GICC_CTLR_EOIMODE) == 0) {
            guestErrors.warn("GICC_DIR write while GICC_CTLR.EOImode is clear, ignored", irq);
            return;
        }
        clear(irqs.active, irq);
    }

    private void dropPriority(boolean group1Irq) {
        int[] aprs = group1Irq ? nsActivePriorities : activePriorities;
        for (int i = 0; i < NUM_APRS; i++) {
            if (aprs[i] != 0) {
                aprs[i] &= aprs[i] - 1; // the highest active priority is the lowest set bit
                break;
            }
        }
        runningPriority = priorityFromActiveBits();
    }

    private int priorityFromActiveBits() {
        for (int i = 0; i < NUM_APRS; i++) {
            int bits = activePriorities[i] | nsActivePriorities[i];
            if (bits != 0) {
                return (i * 32 + Integer.numberOfTrailingZeros(bits)) << (MIN_BPR + 1);
            }
        }
        return IDLE_PRIORITY;
    }

    private int groupPriority(int irq) {
        int bpr = (cpuCtlr & GICC_CTLR_CBPR) == 0 && test(irqs.group1, irq) ? aliasedBinaryPoint : binaryPoint;
        int mask = 0xff & (~0 << ((bpr & 7) + 1));
        return irqs.priority(irq) & mask;
    }

    /**
     * Recomputes the current pending interrupt and the outputs (QEMU's {@code gic_update}) and tells the listener
     * if an output changed. Called after every state change.
     */
    void update() {
        boolean irq = false;
        boolean fiq = false;
        currentPending = SPURIOUS;
        if ((distCtlr & (CTLR_EN_GRP0 | CTLR_EN_GRP1)) != 0 && (cpuCtlr & (CTLR_EN_GRP0 | CTLR_EN_GRP1)) != 0) {
            int best = SPURIOUS;
            int bestPriority = IDLE_PRIORITY;
            for (int w = 0; w < irqs.enabled.length; w++) {
                long candidates = irqs.enabled[w]
                        & (irqs.pendingLatch[w] | (irqs.inputLevel[w] & ~irqs.edgeTriggered[w])) & ~irqs.active[w];
                while (candidates != 0) {
                    int id = w * 64 + Long.numberOfTrailingZeros(candidates);
                    int p = irqs.priority[id] & 0xff;
                    if (p < bestPriority) {
                        bestPriority = p;
                        best = id;
                    }
                    candidates &= candidates - 1;
                }
            }
            if (bestPriority < priorityMask) {
                currentPending = best;
                if (groupPriority(best) < runningPriority) {
                    int group = test(irqs.group1, best) ? 1 : 0;
                    if (((distCtlr >> group) & 1) != 0 && ((cpuCtlr >> group) & 1) != 0) {
                        if (group == 0 && (cpuCtlr & GICC_CTLR_FIQ_EN) != 0) {
                            fiq = true;
                        } else {
                            irq = true;
                        }
                    }
                }
            }
        }
        if (irq != irqOut || fiq != fiqOut) {
            irqOut = irq;
            fiqOut = fiq;
            if (LOG.isTraceEnabled()) {
                LOG.trace("gic: outputs irq={} fiq={} (current pending {})", irq, fiq, currentPending);
            }
            listener.outputsChanged(irq, fiq);
        }
    }


}
