package dev.virtflash.virt.cpu;

import static dev.virtflash.virt.cpu.UnicornLibrary.UC_HOOK_MEM_FETCH_PROT;
import static dev.virtflash.virt.cpu.UnicornLibrary.UC_HOOK_MEM_UNMAPPED;
import static dev.virtflash.virt.cpu.UnicornLibrary.UC_HOOK_MEM_WRITE_PROT;
import static dev.virtflash.virt.cpu.UnicornLibrary.UC_MEM_FETCH_UNMAPPED;
import static dev.virtflash.virt.cpu.UnicornLibrary.UC_MEM_WRITE_UNMAPPED;

import dev.virtflash.memory.AddressSpace;
import dev.virtflash.memory.GuestAddress;
import dev.virtflash.memory.MemoryAccessException;

/**
 * The CPU's traps: what happens when the guest does something Unicorn hands back to the binding (CPU thread only,
 * from inside a run). Owns the exception hook ({@code UC_HOOK_INTR}: semihosting, PSCI over HVC/SMC, SVC and BRK
 * taken into the guest, Unicorn's own aborts and unknown exceptions reported) and the memory-fault hooks (an access
 * to nothing, a write to read-only memory or a ROM device, a fetch from a device), and locates the faulting
 * instruction of an access fault ({@link FaultingInstruction}). Whatever ends the run is reported to the
 * {@link PendingExit}; nothing escapes into native code.
 */
final class Traps {

    // Exception indexes as Unicorn 2.1.1 hands them to UC_HOOK_INTR (QEMU target/arm/cpu.h).
    static final int EXCP_UDEF = 1;
    static final int EXCP_SWI = 2;
    static final int EXCP_PREFETCH_ABORT = 3;
    static final int EXCP_DATA_ABORT = 4;
    static final int EXCP_BKPT = 7;
    static final int EXCP_HVC = 11;
    static final int EXCP_SMC = 13;

    /** HVC #imm16 and SMC #imm16: 0xD4000002/3 | imm16 << 5. */
    private static final int EXC_MASK = 0xFFE0_001F;
    private static final int HVC = 0xD400_0002;
    private static final int SMC = 0xD400_0003;

    private final UnicornEngine engine;
    private final AddressTranslation translation;
    private final MemoryMirror memory;
    private final Semihosting semihosting;
    private final PendingExit exits;
    private final PostedFlashWrites posted;
    private final FaultingInstruction.Cpu faultingCpu = new FaultingInstruction.Cpu() {
        @Override
        public long base(int n) {
            return n == 31 ? engine.sp() : engine.x(n);
        }

        @Override
        public long index(int n) {
            return n == 31 ? 0 : engine.x(n);
        }

        @Override
        public long instruction(long pc) {
            return instructionAt(pc);
        }

        @Override
        public long physical(long va) {
            return translation.physical(va);
        }
    };

    Traps(UnicornEngine engine, MemoryMirror memory, Semihosting semihosting, PendingExit exits,
          PostedFlashWrites posted) {
        this.engine = engine;
        this.memory = memory;
        this.translation = memory.translation();
        this.semihosting = semihosting;
        this.exits = exits;
        this.posted = posted;
    }

    /** Registers the exception hook and the memory-fault hooks with the engine. */
    void install() {
        engine.hookIntr((uc, intno, userData) -> onInterrupt(intno));
        engine.hookMemory(UC_HOOK_MEM_UNMAPPED,
                (uc, type, address, size, value, userData) -> onUnmapped(type, address, size), 1, 0);
        posted.install(engine,
                (uc, type, address, size, value, userData) -> onWriteProtected(address, size, value),
                UC_HOOK_MEM_WRITE_PROT);
        engine.hookMemory(UC_HOOK_MEM_FETCH_PROT,
                (uc, type, address, size, value, userData) -> onFetchProtected(address, size), 1, 0);
    }

    /** The register and instruction view {@link FaultingInstruction} and {@link AbortDelivery} decode with. */
    FaultingInstruction.Cpu faultingCpu() {
        return faultingCpu;
    }

    private void onInterrupt(int intno) {
        try {
            long pc = engine.pc();
            CpuExit exit = trap(intno, pc);
            if (exit != null) {
                exits.end(exit);
            }
        } catch (Throwable t) {
            exits.hostError("handling guest exception " + intno + " failed: " + t, t);
        }
    }

    private CpuExit trap(int intno, long pc) {
        switch (intno) {
            case EXCP_UDEF: {
                long insn = instructionAt(pc);
                if (insn == (Semihosting.HLT_SEMIHOSTING & 0xFFFF_FFFFL)) {
                    return semihosting.call(engine, pc, this::readGuest);
                }
                if (insn >= 0 && (((int) insn & EXC_MASK) == HVC || ((int) insn & EXC_MASK) == SMC)
                        && exceptionLevel() > 0) {
                    // An HVC/SMC that the CPU's configuration makes undefined: still a PSCI call, as in QEMU (at EL0
                    // both are always undefined: the EL1 handler gets them, as from any user task).
                    engine.pc(pc + 4);
                    return Psci.call(engine, pc);
                }
                return ExceptionEntry.enter(engine, pc, insn, ExceptionEntry.EC_UNKNOWN, pc, "undefined instruction");
            }
            case EXCP_HVC:
            case EXCP_SMC:
                // Unicorn leaves PC on the next instruction, as the exception's return address.
                return Psci.call(engine, pc - 4);
            case EXCP_SWI:
                return ExceptionEntry.enter(engine, pc - 4, instructionAt(pc - 4), ExceptionEntry.EC_SVC64, pc,
                        "SVC");
            case EXCP_BKPT:
                return ExceptionEntry.enter(engine, pc, instructionAt(pc), ExceptionEntry.EC_BRK64, pc, "BRK");
            case EXCP_PREFETCH_ABORT:
            case EXCP_DATA_ABORT:
                // Unicorn's own aborts (not the walker's, which come back as UC_ERR_EXCEPTION): it gives no syndrome.
                return new CpuExit.GuestException(new GuestAddress(pc), instructionAt(pc),
                        (intno == EXCP_DATA_ABORT ? "data" : "instruction") + " abort; Unicorn does not expose "
                                + "its syndrome, so it is not delivered to the guest");
            default:
                return new CpuExit.GuestException(new GuestAddress(pc), instructionAt(pc),
                        "exception index " + intno + ", which the binding does not deliver");
        }
    }

    /** The current exception level, 0 to 3. */
    private int exceptionLevel() {
        return (int) ((engine.pstate() >>> 2) & 3);
    }

    /** The instruction at virtual address {@code pc} as the guest sees it, or -1 if nothing is there. */
    long instructionAt(long pc) {
        byte[] b = new byte[4];
        if (!readMemory(pc, b)) {
            return -1;
        }
        return (b[0] & 0xFFL) | (b[1] & 0xFFL) << 8 | (b[2] & 0xFFL) << 16 | (b[3] & 0xFFL) << 24;
    }

    /** Reads guest memory at a virtual address, as the guest at its current exception level sees it. */
    private boolean readMemory(long address, byte[] dst) {
        return translation.readVirtual(address, dst);
    }

    private CpuExit readGuest(long address, byte[] dst, long pc) {
        if (readMemory(address, dst)) {
            return null;
        }
        return new CpuExit.AccessFault(new GuestAddress(address), new GuestAddress(pc),
                MemoryAccessException.Kind.READ, dst.length, "no memory there (semihosting parameter)");
    }

    private boolean onUnmapped(int type, long address, int size) {
        try {
            MemoryAccessException.Kind kind = type == UC_MEM_WRITE_UNMAPPED ? MemoryAccessException.Kind.WRITE
                    : type == UC_MEM_FETCH_UNMAPPED ? MemoryAccessException.Kind.FETCH
                    : MemoryAccessException.Kind.READ;
            if (!exits.isSet()) {
                exits.offer(accessFault(address, kind, size, "no memory or device is mapped there"));
            }
        } catch (Throwable t) {
            exits.hostError("reporting an access to nothing at 0x" + Long.toHexString(address) + " failed: " + t, t);
        }
        return false;
    }

    /** An access fault report, with the faulting instruction located inside the current block. */
    CpuExit.AccessFault accessFault(long address, MemoryAccessException.Kind kind, int size, String detail) {
        if (kind == MemoryAccessException.Kind.FETCH) {
            return new CpuExit.AccessFault(new GuestAddress(address), new GuestAddress(address), kind, size, detail);
        }
        long blockStart = engine.pc();
        long pc = FaultingInstruction.find(faultingCpu, blockStart, address, kind == MemoryAccessException.Kind.WRITE);
        if (pc < 0) {
            pc = blockStart;
            detail += " (pc is the start of the block: no instruction of it matches the access)";
        }
        return new CpuExit.AccessFault(new GuestAddress(address), new GuestAddress(pc), kind, size, detail);
    }

    private boolean onWriteProtected(long address, int size, long value) {
        try {
            posted.deliver();
            RomDeviceMapping rom = memory.romView(address);
            if (rom == null) {
                exits.end(accessFault(address, MemoryAccessException.Kind.WRITE, size, "read-only memory"));
                return false;
            }
            rom.write(address, size, value);
            posted.arm(rom);
        } catch (Throwable t) {
            exits.hostError("write of " + size + " byte(s) at 0x" + Long.toHexString(address) + " failed: " + t, t);
        }
        return true;
    }

    private boolean onFetchProtected(long address, int size) {
        try {
            RomDeviceMapping rom = memory.romView(address);
            if (rom != null && rom.inCommandView(address)) {
                return true; // a ROM device in command mode: the CPU fetches status words, as on real hardware
            }
            AddressSpace.Mapping m = memory.mappingAt(address);
            if (!exits.isSet()) {
                exits.offer(new CpuExit.AccessFault(new GuestAddress(address), new GuestAddress(address),
                        MemoryAccessException.Kind.FETCH, size, "device region '"
                        + (m == null ? "?" : m.region().name()) + "' cannot be executed"));
            }
        } catch (Throwable t) {
            exits.hostError("reporting a fetch from a device at 0x" + Long.toHexString(address) + " failed: " + t, t);
        }
        return false;
    }
}
