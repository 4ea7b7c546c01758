package dev.virtflash.virt.cpu;

import com.sun.jna.Callback;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import dev.virtflash.memory.NativeMemory;

/**
 * The native Unicorn library ({@code libunicorn.so.2}), bound with JNA direct mapping. Loading this class fails
 * with {@link UnsatisfiedLinkError} when the library is absent; {@link #requireSupportedVersion()} turns both that
 * and a too-old version into one-line errors that say how to install the right one.
 *
 * <p>Every constant below was checked against Unicorn 2.1.1's {@code include/unicorn/unicorn.h} and
 * {@code arm64.h} by compiling {@code src/test/c/unicorn_constants.c} against them (see that file).
 *
 * <p>{@code uc_ctl} and {@code uc_hook_add} are C varargs functions; each use has its own fixed-arity overload. That
 * is ABI-correct on x86-64 System V and Linux AArch64 (variadic integer and pointer arguments travel in the same
 * registers as fixed ones), not on Apple arm64. Engine handles and native pointers are passed as {@code long}.
 */
public final class UnicornLibrary {

    /** The shared object's name, as Debian installs it. */
    public static final String SONAME = "libunicorn.so.2";

    // uc_arch, uc_mode
    static final int UC_ARCH_ARM64 = 2;
    static final int UC_MODE_ARM = 0;

    // uc_cpu_arm64
    static final int UC_CPU_ARM64_A57 = 0;

    // uc_err (the ones the binding names; uc_strerror gives the text of every code)
    static final int UC_ERR_OK = 0;
    static final int UC_ERR_READ_UNMAPPED = 6;
    static final int UC_ERR_WRITE_UNMAPPED = 7;
    static final int UC_ERR_FETCH_UNMAPPED = 8;
    static final int UC_ERR_ARG = 15;
    static final int UC_ERR_EXCEPTION = 21;

    // uc_prot
    static final int UC_PROT_NONE = 0;
    static final int UC_PROT_READ = 1;
    static final int UC_PROT_WRITE = 2;
    static final int UC_PROT_EXEC = 4;
    static final int UC_PROT_ALL = 7;

    // uc_hook_type
    static final int UC_HOOK_INTR = 1;
    static final int UC_HOOK_INSN = 1 << 1;
    static final int UC_HOOK_BLOCK = 1 << 3;
    static final int UC_HOOK_MEM_READ_UNMAPPED = 1 << 4;
    static final int UC_HOOK_MEM_WRITE_UNMAPPED = 1 << 5;
    static final int UC_HOOK_MEM_FETCH_UNMAPPED = 1 << 6;
    static final int UC_HOOK_MEM_WRITE_PROT = 1 << 8;
    static final int UC_HOOK_MEM_FETCH_PROT = 1 << 9;
    static final int UC_HOOK_TLB_FILL = 1 << 17;
    static final int UC_HOOK_MEM_UNMAPPED =
            UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED | UC_HOOK_MEM_FETCH_UNMAPPED;

    // uc_mem_type, as handed to memory hooks (and, for the access that missed, to the TLB-fill hook)
    static final int UC_MEM_READ = 16;
    static final int UC_MEM_WRITE = 17;
    static final int UC_MEM_FETCH = 18;
    static final int UC_MEM_READ_UNMAPPED = 19;
    static final int UC_MEM_WRITE_UNMAPPED = 20;
    static final int UC_MEM_FETCH_UNMAPPED = 21;
    static final int UC_MEM_WRITE_PROT = 22;
    static final int UC_MEM_FETCH_PROT = 24;

    // uc_ctl: UC_CTL(type, nr, rw) = type | nr << 26 | rw << 30
    static final int UC_CTL_IO_WRITE = 1;
    static final int UC_CTL_IO_READ = 2;
    static final int UC_CTL_UC_PAGE_SIZE = 1;
    static final int UC_CTL_CPU_MODEL = 7;
    static final int UC_CTL_TB_REMOVE_CACHE = 9;
    static final int UC_CTL_TB_FLUSH = 10;
    static final int UC_CTL_TLB_FLUSH = 11;
    static final int UC_CTL_TLB_TYPE = 12;
    static final int UC_CTL_TCG_BUFFER_SIZE = 13;
    /** uc_tlb_type: virtual address == physical address; no guest page-table walk. */
    static final int UC_TLB_VIRTUAL = 1;

    static final int CTL_WRITE_CPU_MODEL = ctl(UC_CTL_CPU_MODEL, 1, UC_CTL_IO_WRITE);
    static final int CTL_READ_CPU_MODEL = ctl(UC_CTL_CPU_MODEL, 1, UC_CTL_IO_READ);
    static final int CTL_READ_PAGE_SIZE = ctl(UC_CTL_UC_PAGE_SIZE, 1, UC_CTL_IO_READ);
    static final int CTL_WRITE_TLB_TYPE = ctl(UC_CTL_TLB_TYPE, 1, UC_CTL_IO_WRITE);
    static final int CTL_WRITE_TCG_BUFFER_SIZE = ctl(UC_CTL_TCG_BUFFER_SIZE, 1, UC_CTL_IO_WRITE);
    static final int CTL_WRITE_TB_REMOVE_CACHE = ctl(UC_CTL_TB_REMOVE_CACHE, 2, UC_CTL_IO_WRITE);
    static final int CTL_WRITE_TB_FLUSH = ctl(UC_CTL_TB_FLUSH, 0, UC_CTL_IO_WRITE);
    static final int CTL_WRITE_TLB_FLUSH = ctl(UC_CTL_TLB_FLUSH, 0, UC_CTL_IO_WRITE);

    /** {@code struct uc_tlb_entry {uint64_t paddr; uc_prot perms;}}: byte offsets. */
    static final int TLB_ENTRY_PADDR_OFFSET = 0;
    static final int TLB_ENTRY_PERMS_OFFSET = 8;

    // uc_arm64_reg. X0..X28 are consecutive; X29 and X30 are not next to them.
    static final int UC_ARM64_REG_X29 = 1;
    static final int UC_ARM64_REG_X30 = 2;
    static final int UC_ARM64_REG_SP = 4;
    static final int UC_ARM64_REG_X0 = 199;
    static final int UC_ARM64_REG_PC = 260;
    static final int UC_ARM64_REG_PSTATE = 265;
    static final int UC_ARM64_REG_ELR_EL0 = 266;
    static final int UC_ARM64_REG_SP_EL0 = 270;
    static final int UC_ARM64_REG_ESR_EL0 = 276;
    static final int UC_ARM64_REG_FAR_EL0 = 280;
    static final int UC_ARM64_REG_VBAR_EL0 = 286;
    static final int UC_ARM64_REG_CP_REG = 290;

    // uc_arm64_insn, the instruction a UC_HOOK_INSN hook is for (MRS is 1: not hooked, see UnicornCpu)
    static final int UC_ARM64_INS_MSR = 2;
    static final int UC_ARM64_INS_SYS = 3;

    /**
     * {@code uc_arm64_cp_reg} {crn, crm, op0, op1, op2 (u32 each), val (u64 at byte 24)}: 32 bytes, handed over as
     * four longs (little-endian host): [0] = crn | crm << 32, [1] = op0 | op1 << 32, [2] = op2, [3] = val.
     */
    static final int CP_REG_LONGS = 4;

    /** {@code sizeof(struct hook)} offsets in 2.1.1 (private; checked at run time by {@link PreciseStopper}). */
    static final long HOOK_TYPE_OFFSET = 0;
    static final long HOOK_BEGIN_OFFSET = 24;
    static final long HOOK_END_OFFSET = 32;
    static final long HOOK_CALLBACK_OFFSET = 40;
    static final long HOOK_USER_DATA_OFFSET = 48;

    static {
        Native.register(UnicornLibrary.class, NativeLibrary.getInstance(SONAME));
        // Binding the library at load reads its symbol tables and relocations (3.7 MiB in 2.1.1), never read again:
        // unmapped here, they stay in the page cache instead of in every process's RSS.
        NativeMemory.unmapCleanLibraryPages(symbol("uc_open"));
    }

    private UnicornLibrary() {
    }

    static int ctl(int type, int nr, int rw) {
        return type | (nr << 26) | (rw << 30);
    }

    // ---- callbacks (all-primitive signatures keep JNA's upcall path cheap) ----

    /** {@code void (*uc_cb_hookcode_t)(uc_engine *uc, uint64_t address, uint32_t size, void *user_data)}. */
    interface HookCode extends Callback {
        void invoke(long uc, long address, int size, long userData);
    }

    /** {@code void (*uc_cb_hookintr_t)(uc_engine *uc, uint32_t intno, void *user_data)}. */
    interface HookIntr extends Callback {
        void invoke(long uc, int intno, long userData);
    }

    /** {@code bool (*uc_cb_eventmem_t)(uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *ud)}. */
    interface EventMem extends Callback {
        boolean invoke(long uc, int type, long address, int size, long value, long userData);
    }

    /**
     * {@code bool (*uc_cb_tlbevent_t)(uc_engine *uc, uint64_t vaddr, uc_mem_type type, uc_tlb_entry *result,
     * void *user_data)}: fills {@code result} and returns true, or returns false for a page fault.
     */
    interface TlbFill extends Callback {
        boolean invoke(long uc, long vaddr, int type, long result, long userData);
    }

    /**
     * {@code uint32_t (*uc_cb_insn_sys_t)(uc_engine *uc, uc_arm64_reg reg, const uc_arm64_cp_reg *cp, void *ud)}:
     * an MRS/MSR with op0 2 or 3, or a SYS with op0 1 (cache and TLB maintenance); {@code cp} points at the encoding
     * and the value of Xt (for MSR and SYS); returning non-zero skips the instruction.
     */
    interface HookSys extends Callback {
        int invoke(long uc, int reg, long cp, long userData);
    }

    /** {@code uint64_t (*uc_cb_mmio_read_t)(uc_engine *uc, uint64_t offset, unsigned size, void *user_data)}. */
    interface MmioRead extends Callback {
        long invoke(long uc, long offset, int size, long userData);
    }

    /** {@code void (*uc_cb_mmio_write_t)(uc, uint64_t offset, unsigned size, uint64_t value, void *user_data)}. */
    interface MmioWrite extends Callback {
        void invoke(long uc, long offset, int size, long value, long userData);
    }

    // ---- functions ----

    /** {@code unsigned int uc_version(unsigned int *major, unsigned int *minor)}; both pointers may be NULL. */
    static native int uc_version(long major, long minor);

    static native int uc_open(int arch, int mode, long[] uc);

    static native int uc_close(long uc);

    static native String uc_strerror(int err);

    static native int uc_ctl(long uc, int control);

    static native int uc_ctl(long uc, int control, int arg);

    static native int uc_ctl(long uc, int control, int[] out);

    static native int uc_ctl(long uc, int control, long begin, long end);

    static native int uc_reg_read(long uc, int regid, long[] value);

    static native int uc_reg_write(long uc, int regid, long[] value);

    static native int uc_mem_map(long uc, long address, long size, int perms);

    static native int uc_mem_map_ptr(long uc, long address, long size, int perms, long ptr);

    static native int uc_mmio_map(long uc, long address, long size, MmioRead read, long readUserData,
                                  MmioWrite write, long writeUserData);

    static native int uc_mem_unmap(long uc, long address, long size);

    static native int uc_mem_protect(long uc, long address, long size, int perms);

    static native int uc_mem_read(long uc, long address, byte[] bytes, long size);

    static native int uc_context_alloc(long uc, long[] context);

    static native int uc_context_save(long uc, long context);

    static native int uc_context_restore(long uc, long context);

    static native int uc_context_free(long context);

    static native int uc_emu_start(long uc, long begin, long until, long timeoutMicros, long count);

    static native int uc_emu_stop(long uc);

    static native int uc_hook_add(long uc, long[] hook, int type, HookIntr callback, long userData,
                                  long begin, long end);

    static native int uc_hook_add(long uc, long[] hook, int type, EventMem callback, long userData,
                                  long begin, long end);

    static native int uc_hook_add(long uc, long[] hook, int type, TlbFill callback, long userData,
                                  long begin, long end);

    /** UC_HOOK_INSN: the instruction id is one more variadic argument. */
    static native int uc_hook_add(long uc, long[] hook, int type, HookSys callback, long userData,
                                  long begin, long end, int instruction);

    /** A native function pointer as the callback: no Java upcall at all. */
    static native int uc_hook_add(long uc, long[] hook, int type, long callback, long userData,
                                  long begin, long end);

    /** A native function pointer as an instruction hook's callback. */
    static native int uc_hook_add(long uc, long[] hook, int type, long callback, long userData,
                                  long begin, long end, int instruction);

    static native int uc_hook_del(long uc, long hook);

    /** The address of an exported function of the library, e.g. {@code uc_emu_stop}. */
    static long symbol(String name) {
        return com.sun.jna.Pointer.nativeValue(NativeLibrary.getInstance(SONAME).getFunction(name));
    }

    /** The version of the loaded library. */
    public static UnicornVersion version() {
        return UnicornVersion.decode(uc_version(0, 0));
    }

    /**
     * The loaded library's version, checked against {@link UnicornVersion#MINIMUM}.
     *
     * @throws IllegalStateException with a one-line message saying how to install Unicorn 2.1
     */
    public static UnicornVersion requireSupportedVersion() {
        UnicornVersion v;
        try {
            v = version();
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new IllegalStateException(SONAME + " not found; install Unicorn " + UnicornVersion.MINIMUM
                    + " or newer with scripts/setup.sh (Debian 13's libunicorn2t64)");
        }
        if (v.compareTo(UnicornVersion.MINIMUM) < 0) {
            throw new IllegalStateException("Unicorn " + v + " found, " + UnicornVersion.MINIMUM
                    + " or newer expected (older ones cannot run firmware that turns on the MMU); "
                    + "run scripts/setup.sh to install Debian 13's libunicorn2t64");
        }
        return v;
    }
}
