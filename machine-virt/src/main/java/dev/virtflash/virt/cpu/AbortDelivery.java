package dev.virtflash.virt.cpu;

import dev.virtflash.virt.cpu.Translation.Access;

/**
 * Turns a refused TLB fill ({@link AddressTranslation.Abort}) into the instruction or data abort the guest takes, as
 * QEMU would raise it: the fault status code of the walk, WnR for stores, FAR = the faulting virtual address.
 *
 * <p>Unicorn hands the TLB-fill hook only the page of the access, so the exact FAR of a data abort is computed by
 * decoding the faulting instruction (at the precise PC Unicorn stops on) with the current registers
 * ({@link FaultingInstruction#decode}): the first byte of the access inside the faulting page, which is also what QEMU
 * reports for an access that crosses into it. An instruction the decoder does not know gets the page address. An
 * instruction abort's FAR is the PC, where Unicorn stops for a fetch.
 */
final class AbortDelivery {

    private AbortDelivery() {
    }

    /**
     * @param pc where Unicorn stopped: the faulting instruction, or for a fetch the address fetched
     * @return {@code null} if the guest's handler now runs, else the report that ends the run
     */
    static CpuExit deliver(UnicornEngine engine, FaultingInstruction.Cpu cpu, AddressTranslation.Abort abort,
                           long pc) {
        boolean fetch = abort.access() == Access.FETCH;
        long page = abort.page();
        long far;
        if (fetch) {
            far = (pc & -abort.pageSize()) == page ? pc : page;
        } else {
            far = dataAddress(FaultingInstruction.decode(cpu, pc), page, abort.pageSize());
        }
        long instruction = fetch ? -1 : cpu.instruction(pc);
        String what = (fetch ? "instruction" : "data") + " abort (" + abort.fault().kind() + " fault, level "
                + abort.fault().level() + ") at 0x" + Long.toHexString(far);
        return ExceptionEntry.enterAbort(engine, pc, instruction, fetch, abort.access() == Access.WRITE,
                abort.fault().statusCode(), far, what);
    }

    /** The first byte of {@code access} inside {@code page}, or the page if the access does not touch it. */
    static long dataAddress(FaultingInstruction.DataAccess access, long page, long pageSize) {
        if (access == null) {
            return page;
        }
        long begin = access.begin();
        return (begin & -pageSize) == page ? begin : page;
    }
}
