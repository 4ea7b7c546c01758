package dev.virtflash.virt.cpu;

import dev.virtflash.memory.GuestAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a synchronous exception into the guest's own vector table, as the CPU would. Unicorn 2.1.1 reports
 * synchronous exceptions to its interrupt hook and never enters the guest's vectors itself, so the binding does the
 * architectural entry: ESR, ELR and SPSR of the target EL, PSTATE (target EL, SP_ELx, DAIF masked), stack pointer
 * banking, and PC = VBAR + vector offset.
 *
 * <p>Interrupts ({@link #enterInterrupt}): IRQ and FIQ are taken to EL1 (or stay at EL1), with ESR untouched, ELR =
 * the interrupted PC, SPSR_EL1 = PSTATE, PSTATE = EL1h with D, A, I, F masked, and PC = VBAR_EL1 + 0x080/0x280/0x480
 * (IRQ) or 0x100/0x300/0x500 (FIQ) for current EL with SP0, current EL with SPx, lower EL. The caller checks the
 * PSTATE mask bit; as on hardware, a VBAR of 0 is not refused.
 *
 * <p>Delivered: undefined instructions (ESR class 0x00), SVC (0x15) and BRK (0x3C), whose syndromes follow from the
 * instruction, and instruction and data aborts of the binding's own page-table walk (0x20/0x21, 0x24/0x25, with FAR;
 * see {@link AddressTranslation}). Not delivered, ending the run with a report instead: any exception while the target
 * EL's VBAR is 0 (the guest set up no vector table; a real CPU would loop through garbage), and any exception raised
 * inside the vector table itself (a handler that faults again would loop forever). Not modelled in abort syndromes:
 * ISV (QEMU sets it only for aborts taken to EL2), cache-maintenance (CM) and external-abort details. Not modelled:
 * AArch32, SError, PSTATE.PAN/SSBS/SVE details on entry, routing to EL2/EL3 by HCR/SCR.
 */
final class ExceptionEntry {

    static final int EC_UNKNOWN = 0x00;
    static final int EC_SVC64 = 0x15;
    /** Instruction abort from a lower EL; +1 for the same EL. */
    static final int EC_INSTRUCTION_ABORT_LOWER = 0x20;
    /** Data abort from a lower EL; +1 for the same EL. */
    static final int EC_DATA_ABORT_LOWER = 0x24;
    static final int EC_BRK64 = 0x3C;
    /** ESR.ISS of a data abort: WnR, the access was a write. */
    static final long ISS_WNR = 1L << 6;
    /** ESR.IL: the trapping instruction was 32 bits. */
    static final long ESR_IL = 1L << 25;

    /** Vector offsets of synchronous exceptions, by origin. */
    static final long VECTOR_CURRENT_EL_SP0 = 0x000;
    static final long VECTOR_CURRENT_EL_SPX = 0x200;
    static final long VECTOR_LOWER_EL_A64 = 0x400;
    static final long VECTOR_TABLE_SIZE = 0x800;
    /** Offsets of the IRQ and FIQ entries from the synchronous entry of the same origin. */
    static final long VECTOR_IRQ = 0x080;
    static final long VECTOR_FIQ = 0x100;

    /** PSTATE bits. */
    static final long PSTATE_DAIF = 0xF << 6;
    static final long PSTATE_I = 1 << 7;
    static final long PSTATE_F = 1 << 6;
    static final long PSTATE_SP = 1;

    private static final Logger LOG = LoggerFactory.getLogger(ExceptionEntry.class);

    private ExceptionEntry() {
    }

    /**
     * Enters the guest's handler for a synchronous exception with exception class {@code ec}.
     *
     * @param pc          where the exception was raised (the faulting instruction)
     * @param instruction the instruction word at {@code pc}
     * @param returnTo    the preferred return address for ELR
     * @param what        words for the report, e.g. {@code undefined instruction}
     * @return {@code null} if the guest's handler now runs, else the report that ends the run
     */
    static CpuExit enter(UnicornEngine engine, long pc, long instruction, int ec, long returnTo, String what) {
        long iss = ec == EC_UNKNOWN ? 0 : (instruction >>> 5) & 0xFFFF;
        return enter(engine, pc, instruction, ((long) ec << 26) | ESR_IL | iss, returnTo, null, what);
    }

    /**
     * Enters the guest's handler for an instruction or data abort of the instruction at {@code pc}, as QEMU does for
     * a stage-1 fault taken to EL1: ESR_EL1 = EC (abort from the same or a lower EL), IL, and for data aborts WnR and
     * no instruction syndrome (ISV 0); the fault status code of the fault; FAR_EL1 = {@code far}; ELR_EL1 = pc.
     *
     * @return {@code null} if the guest's handler now runs, else the report that ends the run
     */
    static CpuExit enterAbort(UnicornEngine engine, long pc, long instruction, boolean fetch, boolean write,
                              int faultStatus, long far, String what) {
        int currentEl = (int) ((engine.pstate() >>> 2) & 3);
        int ec = (fetch ? EC_INSTRUCTION_ABORT_LOWER : EC_DATA_ABORT_LOWER) + (currentEl >= 1 ? 1 : 0);
        long syndrome = ((long) ec << 26) | ESR_IL | (write && !fetch ? ISS_WNR : 0) | (faultStatus & 0x3F);
        return enter(engine, pc, instruction, syndrome, pc, far, what);
    }

    private static CpuExit enter(UnicornEngine engine, long pc, long instruction, long syndrome, long returnTo,
                                 Long far, String what) {
        long pstate = engine.pstate();
        int currentEl = (int) ((pstate >>> 2) & 3);
        int targetEl = Math.max(currentEl, 1);
        long vbar = engine.vbar(targetEl);
        if (vbar == 0) {
            return new CpuExit.GuestException(new GuestAddress(pc), instruction,
                    what + "; the guest has no vector table (VBAR_EL" + targetEl + " = 0), so it was not delivered");
        }
        if (Long.compareUnsigned(pc - vbar, VECTOR_TABLE_SIZE) < 0) {
            return new CpuExit.GuestException(new GuestAddress(pc), instruction,
                    what + " inside the EL" + targetEl + " vector table at 0x" + Long.toHexString(vbar)
                            + "; not delivered again");
        }
        engine.esr(targetEl, syndrome);
        if (far != null) {
            engine.far(targetEl, far);
        }
        long vector = take(engine, pstate, targetEl, vbar, 0, returnTo);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} at pc 0x{} taken to EL{} vector 0x{} (ESR 0x{}{})", what, Long.toHexString(pc), targetEl,
                    Long.toHexString(vector), Long.toHexString(syndrome),
                    far == null ? "" : ", FAR 0x" + Long.toHexString(far));
        }
        return null;
    }

    /**
     * Takes an IRQ ({@code fiq} false) or FIQ into EL1 at the current PC, which must be an instruction boundary (a
     * precise stop). The caller has checked that PSTATE does not mask it. From EL2 or EL3 nothing is taken (the
     * board routes interrupts to EL1 only) and false is returned.
     *
     * @return whether the interrupt was taken
     */
    static boolean enterInterrupt(UnicornEngine engine, boolean fiq) {
        long pstate = engine.pstate();
        int currentEl = (int) ((pstate >>> 2) & 3);
        if (currentEl > 1) {
            return false;
        }
        long pc = engine.pc();
        long vector = take(engine, pstate, 1, engine.vbar(1), fiq ? VECTOR_FIQ : VECTOR_IRQ, pc);
        if (LOG.isTraceEnabled()) {
            LOG.trace("{} at pc 0x{} (PSTATE 0x{}) taken to vector 0x{}", fiq ? "FIQ" : "IRQ", Long.toHexString(pc),
                    Long.toHexString(pstate), Long.toHexString(vector));
        }
        return true;
    }

    /**
     * The common part of an exception entry to {@code targetEl}: stack pointer banking, ELR, SPSR, PSTATE and PC.
     * Returns the vector address entered.
     */
    private static long take(UnicornEngine engine, long pstate, int targetEl, long vbar, long kindOffset,
                             long returnTo) {
        int currentEl = (int) ((pstate >>> 2) & 3);
        boolean onSpx = (pstate & PSTATE_SP) != 0;
        long vector;
        if (currentEl < targetEl) {
            vector = VECTOR_LOWER_EL_A64;
        } else {
            vector = onSpx ? VECTOR_CURRENT_EL_SPX : VECTOR_CURRENT_EL_SP0;
        }
        // Stack pointer banking: the live SP belongs to SP_EL0 or SP_ELx of the current EL; the handler runs on
        // SP_ELx of the target EL.
        int oldBank = onSpx ? currentEl : 0;
        if (oldBank != targetEl) {
            engine.spEl(oldBank, engine.sp());
            engine.sp(engine.spEl(targetEl));
        }
        engine.elr(targetEl, returnTo);
        engine.pstate(PSTATE_DAIF | ((long) targetEl << 2) | PSTATE_SP);
        // A CP_REG write makes Unicorn rebuild its translation flags for the new PSTATE.
        engine.spsr(targetEl, pstate);
        long target = vbar + vector + kindOffset;
        engine.pc(target);
        return target;
    }
}
