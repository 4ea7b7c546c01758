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
 * <p>Delivered: undefined instructions (ESR class 0x00), SVC (0x15) and BRK (0x3C), whose syndromes follow from the
 * instruction. Not delivered, ending the run with a report instead: instruction and data aborts (Unicorn does not
 * expose their syndrome or fault address), any exception while the target EL's VBAR is 0 (the guest set up no vector
 * table; a real CPU would loop through garbage), and any exception raised inside the vector table itself (a handler
 * that faults again would loop forever). Not modelled: AArch32, SError, PSTATE.PAN/SSBS/SVE details on entry,
 * routing to EL2/EL3 by HCR/SCR.
 */
final class ExceptionEntry {

    static final int EC_UNKNOWN = 0x00;
    static final int EC_SVC64 = 0x15;
    static final int EC_BRK64 = 0x3C;
    /** ESR.IL: the trapping instruction was 32 bits. */
    static final long ESR_IL = 1L << 25;

    /** Vector offsets of synchronous exceptions, by origin. */
    static final long VECTOR_CURRENT_EL_SP0 = 0x000;
    static final long VECTOR_CURRENT_EL_SPX = 0x200;
    static final long VECTOR_LOWER_EL_A64 = 0x400;
    static final long VECTOR_TABLE_SIZE = 0x800;

    /** PSTATE bits. */
    static final long PSTATE_DAIF = 0xF << 6;
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
        boolean onSpx = (pstate & PSTATE_SP) != 0;
        long vector;
        if (currentEl < targetEl) {
            vector = VECTOR_LOWER_EL_A64;
        } else {
            vector = onSpx ? VECTOR_CURRENT_EL_SPX : VECTOR_CURRENT_EL_SP0;
        }
        long syndrome = ((long) ec << 26) | ESR_IL | (ec == EC_UNKNOWN ? 0 : (instruction >>> 5) & 0xFFFF);
        // Stack pointer banking: the live SP belongs to SP_EL0 or SP_ELx of the current EL; the handler runs on
        // SP_ELx of the target EL.
        int oldBank = onSpx ? currentEl : 0;
        if (oldBank != targetEl) {
            engine.spEl(oldBank, engine.sp());
            engine.sp(engine.spEl(targetEl));
        }
        engine.esr(targetEl, syndrome);
        engine.elr(targetEl, returnTo);
        engine.pstate(PSTATE_DAIF | ((long) targetEl << 2) | PSTATE_SP);
        // A CP_REG write makes Unicorn rebuild its translation flags for the new PSTATE.
        engine.spsr(targetEl, pstate);
        engine.pc(vbar + vector);
        LOG.debug("{} at pc 0x{} taken to EL{} vector 0x{} (ESR 0x{})", what, Long.toHexString(pc), targetEl,
                Long.toHexString(vbar + vector), Long.toHexString(syndrome));
        return null;
    }
}
