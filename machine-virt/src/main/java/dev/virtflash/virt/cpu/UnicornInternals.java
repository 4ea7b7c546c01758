package dev.virtflash.virt.cpu;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import dev.virtflash.memory.ProcessMappings;
import java.util.List;

/**
 * One function of Unicorn 2.1.1 that its API does not offer and its library exports: QEMU's
 * {@code tlb_flush_page_aarch64(CPUState *, vaddr)}, which drops the TLB entries of one (1 KiB) page. The API can only
 * drop the whole TLB ({@code UC_CTL_TLB_FLUSH}), and the guest's own TLBI by address drops one 1 KiB page of its 4, 16
 * or 64 KiB page; so without this every TLBI by address would cost a whole TLB, refilled one Java upcall at a time.
 *
 * <p>The {@code CPUState} comes from the private {@code uc_struct}: its {@code cpu} field at {@link #UC_CPU_OFFSET} in
 * 2.1.1. The offset is checked before it is trusted ({@link #cpuState}): the pointer must lie in readable memory, the
 * state's {@code env_ptr} must point into the same object (to the {@code CPUARMState} behind it) and its {@code uc}
 * field must point back to the engine. Any doubt, or a library without the symbol, and the binding drops the whole TLB
 * as before.
 */
final class UnicornInternals {

    /** {@code offsetof(struct uc_struct, cpu)} in 2.1.1: 16 bytes of fields, two 56-byte AddressSpaces, 36 pointers. */
    static final long UC_CPU_OFFSET = 416;
    /** {@code offsetof(struct uc_struct, arch)}. */
    private static final long UC_ARCH_OFFSET = 0;
    /** {@code offsetof(CPUState, env_ptr)} in 2.1.1 (after the glibc x86-64 {@code sigjmp_buf}). */
    private static final long CPU_ENV_PTR_OFFSET = 296;
    /** Where {@code env_ptr} may point: past CPUState's 32 KiB {@code tb_jmp_cache}, inside the ARMCPU. */
    private static final long ENV_MIN = 32 * 1024;
    private static final long ENV_MAX = 64 * 1024;
    /**
     * Where CPUState's {@code uc} back-pointer is searched for: in the 512 bytes after {@code tb_jmp_cache}, which ends
     * at 33,080 (the pointer is at 33,192 in 2.1.1).
     */
    private static final long CPU_UC_SEARCH_FROM = 33_080;
    private static final long CPU_UC_SEARCH_TO = CPU_UC_SEARCH_FROM + 512;

    /** Whether the function could be bound (final once the class is initialised). */
    private static final boolean BOUND = bind();

    private UnicornInternals() {
    }

    private static boolean bind() {
        try {
            Native.register(UnicornInternals.class, NativeLibrary.getInstance(UnicornLibrary.SONAME));
            return true;
        } catch (UnsatisfiedLinkError | IllegalArgumentException e) {
            return false;
        }
    }

    static native void tlb_flush_page_aarch64(long cpu, long address);

    /**
     * The engine's {@code CPUState}, if this library's layout is the one checked here and the function is there; else
     * 0. Call once the engine is initialised (after its first register access).
     */
    static long cpuState(long uc, List<ProcessMappings.Mapping> maps) {
        if (!BOUND || !readable(maps, uc, UC_CPU_OFFSET + 8)) {
            return 0;
        }
        Pointer engine = new Pointer(uc);
        if (engine.getInt(UC_ARCH_OFFSET) != UnicornLibrary.UC_ARCH_ARM64) {
            return 0;
        }
        long cpu = engine.getLong(UC_CPU_OFFSET);
        if (cpu == 0 || (cpu & 7) != 0 || !readable(maps, cpu, CPU_UC_SEARCH_TO)) {
            return 0;
        }
        Pointer state = new Pointer(cpu);
        long env = state.getLong(CPU_ENV_PTR_OFFSET) - cpu;
        if (env < ENV_MIN || env > ENV_MAX) {
            return 0;
        }
        for (long at = CPU_UC_SEARCH_FROM; at < CPU_UC_SEARCH_TO; at += 8) {
            if (state.getLong(at) == uc) {
                return cpu;
            }
        }
        return 0;
    }

    /** Whether {@code [address, address + length)} lies in one readable mapping. */
    private static boolean readable(List<ProcessMappings.Mapping> maps, long address, long length) {
        for (ProcessMappings.Mapping m : maps) {
            if (Long.compareUnsigned(address, m.start()) >= 0 && Long.compareUnsigned(address + length, m.end()) <= 0) {
                return m.perms().startsWith("r");
            }
        }
        return false;
    }
}
