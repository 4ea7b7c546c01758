package dev.virtflash.virt.cpu;

import static dev.virtflash.virt.cpu.UnicornLibrary.*;

import com.sun.jna.Callback;
import com.sun.jna.Pointer;
import dev.virtflash.memory.NativeMemory;
import dev.virtflash.memory.ProcessMappings;
import java.util.ArrayList;
import java.util.List;

/**
 * The sole owner of one {@code uc_engine}: an AArch64 Cortex-A57 in virtual-TLB mode. Typed access to registers,
 * memory mapping and hooks; every failing call throws {@link UnicornException}. Callback objects handed to Unicorn
 * are kept here, strongly reachable, until {@link #close()} (JNA frees a callback's native stub when its Java object
 * is collected). Not thread-safe: one thread uses an engine, except where a method says otherwise.
 *
 * <p>Size: about 490 lines, over the project's 400, on purpose: it is the one place that calls the native library,
 * one short typed method per Unicorn call the binding makes (registers, system registers, memory, hooks, controls),
 * each with the error check and message that call needs.
 */
final class UnicornEngine implements AutoCloseable {

    /** CP_REG encodings (op0, op1, crn, crm, op2) of the system registers the binding needs. */
    private static final int[] SPSR_EL1 = {3, 0, 4, 0, 0};
    private static final int[] SPSR_EL2 = {3, 4, 4, 0, 0};
    private static final int[] SPSR_EL3 = {3, 6, 4, 0, 0};
    private static final int[] MIDR_EL1 = {3, 0, 0, 0, 0};
    private static final int[] SCR_EL3 = {3, 6, 1, 1, 0};
    private static final int[] SCTLR_EL1 = {3, 0, 1, 0, 0};
    private static final int[] TTBR0_EL1 = {3, 0, 2, 0, 0};
    private static final int[] TTBR1_EL1 = {3, 0, 2, 0, 1};
    private static final int[] TCR_EL1 = {3, 0, 2, 0, 2};

    /**
     * Virtual addresses from here up to 2^48 above it stand for the physical addresses [0, 2^48) while the binding
     * drops translated code ({@link #removeTranslations}): Unicorn's TB_REMOVE_CACHE takes a virtual address and
     * translates it as an instruction fetch through the TLB-fill hook, which maps this window one-to-one to physical
     * addresses while {@link #inPhysicalWindow()}. No guest access can reach the window: with bit 56 set and bit 55
     * clear its addresses are outside both translation ranges, and with TBI their top byte is cleaned before the TLB.
     */
    static final long PHYSICAL_WINDOW = 0x0100_0000_0000_0000L;
    /** Size of the physical window (48-bit physical addresses). */
    static final long PHYSICAL_WINDOW_SIZE = 1L << 48;
    /** SCR_EL3.RW: the next lower EL (EL2, or EL1 without EL2) is AArch64. */
    static final long SCR_RW = 1L << 10;

    /** How many guest-requested flushes give the zeroed translation buffer back (each costs ~1 ms of page faults). */
    private static final int GIVE_BACK_FLUSHES = 8;

    private final long handle;
    private final long[] one = new long[1];
    private final long[] cpReg = new long[CP_REG_LONGS];
    private final List<Object> callbacks = new ArrayList<>();
    private final List<Long> contexts = new ArrayList<>();
    private boolean closed;
    /** True while {@link #removeTranslations} runs: the TLB-fill hook then maps the physical window. */
    private boolean physicalWindow;
    /** Unicorn's translation buffer, whose zeros go back to the kernel (see {@link ZeroedTranslationBuffer}). */
    private ZeroedTranslationBuffer buffer = ZeroedTranslationBuffer.NONE;
    private int guestFlushes;
    /** Unicorn's {@code CPUState}, for {@link #flushTlbPage}; 0 where that cannot be trusted. */
    private long cpuState;

    private UnicornEngine(long handle) {
        this.handle = handle;
    }

    /** {@link #openCortexA57(int)} with the default translation buffer. */
    static UnicornEngine openCortexA57() {
        return openCortexA57(UnicornCpu.DEFAULT_TRANSLATION_BUFFER_MIB);
    }

    /**
     * Opens an AArch64 engine with the Cortex-A57 model in virtual-TLB mode.
     *
     * @param translationBufferMiB the size of Unicorn's translated-code buffer in MiB (QEMU's {@code tb-size})
     * @throws IllegalStateException if the library is missing or older than 2.1
     * @throws UnicornException      if Unicorn refuses
     */
    static UnicornEngine openCortexA57(int translationBufferMiB) {
        requireSupportedVersion();
        return ZeroedTranslationBuffer.opening((long) translationBufferMiB << 20, () -> {
            UnicornEngine engine = open(translationBufferMiB);
            engine.pc(); // the first call that initialises the engine: Unicorn allocates and zeroes its buffer
            engine.cpuState = UnicornInternals.cpuState(engine.handle, ProcessMappings.sample());
            return engine;
        }, (engine, buffer) -> engine.buffer = buffer);
    }

    /**
     * Gives the translation buffer's zeroed pages back; call only when it holds no translation (just flushed, nothing
     * run since).
     */
    void giveBackZeroedBuffer() {
        buffer.giveBack();
    }

    private static UnicornEngine open(int translationBufferMiB) {
        long[] out = new long[1];
        UnicornException.check(uc_open(UC_ARCH_ARM64, UC_MODE_ARM, out), "uc_open(ARM64)");
        UnicornEngine engine = new UnicornEngine(out[0]);
        try {
            // Before anything else initialises the engine: the default 1 GiB translation buffer ends up resident
            // (measured: RssAnon 1 GiB for one CPU), which would make every machine cost a gigabyte.
            UnicornException.check(uc_ctl(engine.handle, CTL_WRITE_TCG_BUFFER_SIZE, translationBufferMiB << 20),
                    "uc_ctl(TCG_BUFFER_SIZE)");
            UnicornException.check(uc_ctl(engine.handle, CTL_WRITE_CPU_MODEL, UC_CPU_ARM64_A57),
                    "uc_ctl(CPU_MODEL, A57)");
            UnicornException.check(uc_ctl(engine.handle, CTL_WRITE_TLB_TYPE, UC_TLB_VIRTUAL),
                    "uc_ctl(TLB_TYPE, VIRTUAL)");
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        return engine;
    }

    long handle() {
        return handle;
    }

    // ---- registers ----

    long reg(int regid) {
        int err = uc_reg_read(handle, regid, one);
        if (err != UC_ERR_OK) { // the message is built only on failure: registers are read at every stop
            throw new UnicornException("uc_reg_read(" + regid + ")", err);
        }
        return one[0];
    }

    void reg(int regid, long value) {
        one[0] = value;
        int err = uc_reg_write(handle, regid, one);
        if (err != UC_ERR_OK) {
            throw new UnicornException("uc_reg_write(" + regid + ")", err);
        }
    }

    static int xRegId(int n) {
        if (n >= 0 && n <= 28) {
            return UC_ARM64_REG_X0 + n;
        }
        if (n == 29) {
            return UC_ARM64_REG_X29;
        }
        if (n == 30) {
            return UC_ARM64_REG_X30;
        }
        throw new IllegalArgumentException("x" + n + ", expected x0 to x30");
    }

    long x(int n) {
        return reg(xRegId(n));
    }

    void x(int n, long value) {
        reg(xRegId(n), value);
    }

    long pc() {
        return reg(UC_ARM64_REG_PC);
    }

    void pc(long value) {
        reg(UC_ARM64_REG_PC, value);
    }

    long sp() {
        return reg(UC_ARM64_REG_SP);
    }

    void sp(long value) {
        reg(UC_ARM64_REG_SP, value);
    }

    /** PSTATE as Unicorn packs it (SPSR layout: NZCV, DAIF, M[3:0] = EL and SP select). 32 bits. */
    long pstate() {
        return reg(UC_ARM64_REG_PSTATE) & 0xFFFF_FFFFL;
    }

    /** Writes PSTATE. Unicorn does not rebuild its translation flags here: follow with a CP_REG write. */
    void pstate(long value) {
        reg(UC_ARM64_REG_PSTATE, value);
    }

    long elr(int el) {
        return reg(UC_ARM64_REG_ELR_EL0 + el);
    }

    void elr(int el, long value) {
        reg(UC_ARM64_REG_ELR_EL0 + el, value);
    }

    long spEl(int el) {
        return reg(UC_ARM64_REG_SP_EL0 + el);
    }

    void spEl(int el, long value) {
        reg(UC_ARM64_REG_SP_EL0 + el, value);
    }

    void esr(int el, long value) {
        reg(UC_ARM64_REG_ESR_EL0 + el, value);
    }

    long esr(int el) {
        return reg(UC_ARM64_REG_ESR_EL0 + el);
    }

    void far(int el, long value) {
        reg(UC_ARM64_REG_FAR_EL0 + el, value);
    }

    long far(int el) {
        return reg(UC_ARM64_REG_FAR_EL0 + el);
    }

    long vbar(int el) {
        return reg(UC_ARM64_REG_VBAR_EL0 + el);
    }

    /** SPSR_EL1..3 through CP_REG (Unicorn has no dedicated register ids for them). */
    long spsr(int el) {
        return sysReg(spsrEncoding(el));
    }

    /** Writes SPSR_ELx through CP_REG, which also makes Unicorn rebuild its translation flags. */
    void spsr(int el, long value) {
        sysReg(spsrEncoding(el), value);
    }

    long midr() {
        return sysReg(MIDR_EL1);
    }

    long scrEl3() {
        return sysReg(SCR_EL3);
    }

    void scrEl3(long value) {
        sysReg(SCR_EL3, value);
    }

    /** The registers of the EL1&0 translation regime. */
    PageTableWalker.Registers mmuRegisters() {
        return new PageTableWalker.Registers(sysReg(SCTLR_EL1), sysReg(TCR_EL1), sysReg(TTBR0_EL1),
                sysReg(TTBR1_EL1));
    }

    private static int[] spsrEncoding(int el) {
        switch (el) {
            case 1:
                return SPSR_EL1;
            case 2:
                return SPSR_EL2;
            case 3:
                return SPSR_EL3;
            default:
                throw new IllegalArgumentException("SPSR_EL" + el + ", expected EL1 to EL3");
        }
    }

    /** A system register by its encoding {op0, op1, crn, crm, op2}, as the host sees it (raw, no side effects). */
    long sysReg(int[] enc) {
        fillCpReg(enc, 0);
        int err = uc_reg_read(handle, UC_ARM64_REG_CP_REG, cpReg);
        if (err != UC_ERR_OK) {
            throw new UnicornException("uc_reg_read(CP_REG " + str(enc) + ")", err);
        }
        return cpReg[3];
    }

    /**
     * Writes a system register by its encoding. Unicorn uses the register's raw write where it has one (the whole
     * field is stored, read-only bits included), else its guest write function.
     */
    void sysReg(int[] enc, long value) {
        fillCpReg(enc, value);
        int err = uc_reg_write(handle, UC_ARM64_REG_CP_REG, cpReg);
        if (err != UC_ERR_OK) {
            throw new UnicornException("uc_reg_write(CP_REG " + str(enc) + ")", err);
        }
    }

    private void fillCpReg(int[] enc, long value) {
        int op0 = enc[0];
        int op1 = enc[1];
        int crn = enc[2];
        int crm = enc[3];
        int op2 = enc[4];
        cpReg[0] = (crn & 0xFFFF_FFFFL) | ((long) crm << 32);
        cpReg[1] = (op0 & 0xFFFF_FFFFL) | ((long) op1 << 32);
        cpReg[2] = op2 & 0xFFFF_FFFFL;
        cpReg[3] = value;
    }

    private static String str(int[] enc) {
        return "S" + enc[0] + "_" + enc[1] + "_C" + enc[2] + "_C" + enc[3] + "_" + enc[4];
    }

    // ---- controls ----

    int cpuModel() {
        int[] out = new int[1];
        UnicornException.check(uc_ctl(handle, CTL_READ_CPU_MODEL, out), "uc_ctl(read CPU_MODEL)");
        return out[0];
    }

    int pageSize() {
        int[] out = new int[1];
        UnicornException.check(uc_ctl(handle, CTL_READ_PAGE_SIZE, out), "uc_ctl(read PAGE_SIZE)");
        return out[0];
    }

    /**
     * Drops code translated from <em>physical</em> addresses {@code [begin, end)}, through the
     * {@link #PHYSICAL_WINDOW} (so whatever the guest's page tables say). The TLB-fill hook must map the window while
     * {@link #inPhysicalWindow()}; a range in MMIO drops nothing.
     */
    void removeTranslations(long begin, long end) {
        physicalWindow = true;
        int err;
        try {
            err = uc_ctl(handle, CTL_WRITE_TB_REMOVE_CACHE, PHYSICAL_WINDOW + begin, PHYSICAL_WINDOW + end);
        } finally {
            physicalWindow = false;
        }
        if (err != UC_ERR_OK) { // called for every DC ZVA and IC IVAU: no message unless it fails
            throw new UnicornException(String.format("uc_ctl(TB_REMOVE_CACHE, 0x%x, 0x%x)", begin, end), err);
        }
    }

    /** Whether {@link #removeTranslations} is running (then window addresses reach the TLB-fill hook). */
    boolean inPhysicalWindow() {
        return physicalWindow;
    }

    /** Whether {@link #flushTlbPage} works here (see {@link UnicornInternals}); else only the whole TLB can go. */
    boolean flushesTlbPages() {
        return cpuState != 0;
    }

    /**
     * Drops the TLB entries of the engine page ({@link #pageSize()} bytes) holding virtual address {@code va}, in every
     * translation regime. Only when {@link #flushesTlbPages()}.
     */
    void flushTlbPage(long va) {
        UnicornInternals.tlb_flush_page_aarch64(cpuState, va);
    }

    /** Empties the TLB: every next access to a page looks its mapping up again (and asks TLB-fill hooks). */
    void flushTlb() {
        UnicornException.check(uc_ctl(handle, CTL_WRITE_TLB_FLUSH), "uc_ctl(TLB_FLUSH)");
    }

    void flushTranslations() {
        UnicornException.check(uc_ctl(handle, CTL_WRITE_TB_FLUSH), "uc_ctl(TB_FLUSH)");
    }

    /**
     * {@link #flushTranslations} at the guest's request (IC IALLU, between two runs); the first
     * {@link #GIVE_BACK_FLUSHES} times the zeroed buffer is given back too (see {@link ZeroedTranslationBuffer}).
     */
    void flushTranslationsForGuest() {
        flushTranslations();
        if (++guestFlushes <= GIVE_BACK_FLUSHES) {
            giveBackZeroedBuffer();
        }
    }

    // ---- memory ----

    /** Maps {@code size} zero bytes that Unicorn allocates and frees with the engine. */
    void map(long address, long size, int perms) {
        UnicornException.check(uc_mem_map(handle, address, size, perms),
                "uc_mem_map(0x%x, 0x%x)", address, size);
    }

    void mapPointer(long address, long size, int perms, long pointer) {
        UnicornException.check(uc_mem_map_ptr(handle, address, size, perms, pointer),
                "uc_mem_map_ptr(0x%x, 0x%x)", address, size);
    }

    void mapMmio(long address, long size, MmioRead read, MmioWrite write) {
        UnicornException.check(uc_mmio_map(handle, address, size, read, 0, write, 0),
                "uc_mmio_map(0x%x, 0x%x)", address, size);
        keep(read);
        keep(write);
    }

    void protect(long address, long size, int perms) {
        UnicornException.check(uc_mem_protect(handle, address, size, perms),
                "uc_mem_protect(0x%x, 0x%x, %d)", address, size, perms);
    }

    void unmap(long address, long size) {
        UnicornException.check(uc_mem_unmap(handle, address, size),
                "uc_mem_unmap(0x%x, 0x%x)", address, size);
    }

    /** Reads guest memory through Unicorn's view; false if some byte is not readable memory. */
    boolean read(long address, byte[] dst) {
        return uc_mem_read(handle, address, dst, dst.length) == UC_ERR_OK;
    }

    // ---- hooks ----

    long hookIntr(HookIntr callback) {
        long[] out = new long[1];
        UnicornException.check(uc_hook_add(handle, out, UC_HOOK_INTR, callback, 0, 1, 0), "uc_hook_add(INTR)");
        keep(callback);
        return out[0];
    }

    long hookMemory(int type, EventMem callback, long begin, long end) {
        long[] out = new long[1];
        UnicornException.check(uc_hook_add(handle, out, type, callback, 0, begin, end),
                "uc_hook_add(%d, 0x%x, 0x%x)", type, begin, end);
        keep(callback);
        return out[0];
    }

    long hookTlbFill(TlbFill callback, long begin, long end) {
        long[] out = new long[1];
        UnicornException.check(uc_hook_add(handle, out, UC_HOOK_TLB_FILL, callback, 0, begin, end),
                "uc_hook_add(TLB_FILL, 0x%x, 0x%x)", begin, end);
        keep(callback);
        return out[0];
    }

    /** A hook on every guest MSR to a system register (op0 2 or 3), anywhere. */
    long hookMsr(HookSys callback) {
        return hookSystemInstruction(callback, UC_ARM64_INS_MSR, "MSR");
    }

    /** A hook on every guest SYS instruction (op0 1: DC, IC, TLBI, AT), anywhere. */
    long hookSys(HookSys callback) {
        return hookSystemInstruction(callback, UC_ARM64_INS_SYS, "SYS");
    }

    private long hookSystemInstruction(HookSys callback, int instruction, String name) {
        long[] out = new long[1];
        UnicornException.check(uc_hook_add(handle, out, UC_HOOK_INSN, callback, 0, 1, 0, instruction),
                "uc_hook_add(INSN, " + name + ")");
        keep(callback);
        return out[0];
    }

    /** A hook on every guest SYS instruction whose callback is native code (see {@link NativeStub}). */
    long hookSysNative(long function, long userData) {
        return hookSystemInstructionNative(function, userData, UC_ARM64_INS_SYS, "SYS");
    }

    /** A hook on every guest MSR to a system register whose callback is native code (see {@link NativeStub}). */
    long hookMsrNative(long function, long userData) {
        return hookSystemInstructionNative(function, userData, UC_ARM64_INS_MSR, "MSR");
    }

    private long hookSystemInstructionNative(long function, long userData, int instruction, String name) {
        long[] out = new long[1];
        UnicornException.check(uc_hook_add(handle, out, UC_HOOK_INSN, function, userData, 1, 0, instruction),
                "uc_hook_add(INSN, " + name + ", native)");
        return out[0];
    }

    /**
     * Keeps {@code callback} alive with the engine and returns its native entry point, for native code that calls it
     * (JNA frees a callback's entry point when its Java object is collected). The entry point is a direct one
     * ({@link DirectCallbacks}): no boxing, no reflection per call.
     */
    long keepCallback(Callback callback) {
        keep(callback);
        return DirectCallbacks.entryPoint(callback);
    }

    long hookNative(int type, long function, long userData, long begin, long end) {
        long[] out = new long[1];
        UnicornException.check(uc_hook_add(handle, out, type, function, userData, begin, end),
                "uc_hook_add(" + type + ", native)");
        return out[0];
    }

    void unhook(long hook) {
        UnicornException.check(uc_hook_del(handle, hook), "uc_hook_del");
    }

    private void keep(Object callback) {
        if (callback != null) {
            callbacks.add(callback);
        }
    }

    // ---- CPU state snapshots ----

    /** Saves the CPU state (registers and system registers, not memory) into a new context; free it with close. */
    long saveContext() {
        long[] out = new long[1];
        UnicornException.check(uc_context_alloc(handle, out), "uc_context_alloc");
        contexts.add(out[0]);
        UnicornException.check(uc_context_save(handle, out[0]), "uc_context_save");
        return out[0];
    }

    void restoreContext(long context) {
        UnicornException.check(uc_context_restore(handle, context), "uc_context_restore");
    }

    // ---- execution ----

    /** {@code uc_emu_start} from {@code begin} until the stop address {@code until}; returns the uc_err. */
    int start(long begin, long until) {
        return uc_emu_start(handle, begin, until, 0, 0);
    }

    /** Asks the engine to stop (imprecise: may stop inside a translation block). Safe from any thread. */
    void stop() {
        uc_emu_stop(handle);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (long context : contexts) {
            uc_context_free(context);
        }
        contexts.clear();
        uc_close(handle);
        callbacks.clear();
        // Unicorn ran on the board's thread and allocated in that thread's malloc arena; what it freed stays there
        // (glibc trims only the main heap by itself) until this. Measured: 19 MiB kept after 16 boards without it.
        NativeMemory.trimMallocArenas();
    }
}
