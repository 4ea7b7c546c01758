package dev.virtflash.virt.cpu;

/**
 * Finds which instruction of a translation block made a given data access. Inside a memory hook Unicorn's PC is the
 * start of the current block, not the instruction; the general-purpose registers, however, are exactly as the
 * faulting instruction sees them. So the block is decoded from its start, and the first load (or store) whose
 * effective address, computed from the current registers, covers the faulting address is taken as the culprit.
 *
 * <p>Decoded: load/store register (unsigned offset, unscaled, pre/post-indexed, unprivileged, register offset),
 * load/store pair, load literal, exclusive and acquire/release, and SIMD structure loads/stores (base register
 * only). The guess can be wrong when an earlier instruction of the same block changed a register that an even earlier
 * access used; when nothing matches, the caller reports the block start and says so.
 */
final class FaultingInstruction {

    /** Longest block scanned (Unicorn's blocks end at the first branch, and at 512 instructions at most). */
    static final int MAX_INSTRUCTIONS = 512;

    private FaultingInstruction() {
    }

    /** Reads guest registers and instruction words. */
    interface Cpu {
        /** x0..x30; 31 means SP here (every decoded base register 31 is SP). */
        long base(int n);

        /** x0..x30; 31 means XZR (register offsets). */
        long index(int n);

        /** The instruction word at {@code pc}, or -1. */
        long instruction(long pc);

        /**
         * Where virtual address {@code va} is in physical memory (Unicorn's memory hooks report physical addresses),
         * or -1 if it does not translate.
         */
        default long physical(long va) {
            return va;
        }
    }

    /**
     * @param blockStart the PC Unicorn reports inside the hook
     * @param address    the faulting data address (physical, as Unicorn's memory hooks give it)
     * @param store      whether the access was a store
     * @return the faulting instruction's address, or -1 if no instruction of the block matches
     */
    static long find(Cpu cpu, long blockStart, long address, boolean store) {
        for (int i = 0; i < MAX_INSTRUCTIONS; i++) {
            long pc = blockStart + 4L * i;
            long word = cpu.instruction(pc);
            if (word < 0) {
                return -1;
            }
            int insn = (int) word;
            if (matches(cpu, pc, insn, address, store)) {
                return pc;
            }
            if (endsBlock(insn)) {
                return -1;
            }
        }
        return -1;
    }

    private static boolean endsBlock(int insn) {
        return (insn & 0x7C00_0000) == 0x1400_0000        // B, BL
                || (insn & 0x7E00_0000) == 0x3400_0000    // CBZ, CBNZ
                || (insn & 0x7E00_0000) == 0x3600_0000    // TBZ, TBNZ
                || (insn & 0xFF00_0010) == 0x5400_0000    // B.cond
                || (insn & 0xFE00_0000) == 0xD600_0000    // BR, BLR, RET, ERET
                || (insn & 0xFF00_0000) == 0xD400_0000;   // SVC, HVC, SMC, BRK, HLT
    }

    private static boolean matches(Cpu cpu, long pc, int insn, long address, boolean store) {
        DataAccess a = decode(cpu, pc, insn);
        if (a == null || a.store() != store) {
            return false;
        }
        // The access may cross into another page: look at the physical address of each end.
        long first = cpu.physical(a.begin());
        long last = cpu.physical(a.begin() + a.length() - 1);
        return (first != -1 && Long.compareUnsigned(address - first, a.length()) < 0)
                || (last != -1 && Long.compareUnsigned(last - address, a.length()) < 0);
    }

    /**
     * The memory the instruction at {@code pc} accesses, computed from the current registers (as the instruction
     * sees them when it faults), or null if it is not a decoded load, store or DC ZVA (or cannot be read).
     */
    static DataAccess decode(Cpu cpu, long pc) {
        long word = cpu.instruction(pc);
        return word < 0 ? null : decode(cpu, pc, (int) word);
    }

    private static DataAccess decode(Cpu cpu, long pc, int insn) {
        int rn = (insn >>> 5) & 31;
        boolean simd = (insn & (1 << 26)) != 0;
        int size = insn >>> 30;
        long begin;
        long length;
        boolean isStore;
        if ((insn & 0x3B00_0000) == 0x3900_0000) {
            // load/store register, unsigned immediate offset
            int opc = (insn >>> 22) & 3;
            int scale = simd && opc >= 2 ? 4 : size;
            isStore = simd ? (opc & 1) == 0 : opc == 0;
            begin = cpu.base(rn) + ((long) ((insn >>> 10) & 0xFFF) << scale);
            length = 1L << scale;
        } else if ((insn & 0x3B20_0000) == 0x3800_0000) {
            // unscaled, post-indexed, unprivileged, pre-indexed: simm9
            int opc = (insn >>> 22) & 3;
            int scale = simd && opc >= 2 ? 4 : size;
            isStore = simd ? (opc & 1) == 0 : opc == 0;
            long simm9 = ((long) insn << 43) >> 55;
            boolean post = ((insn >>> 10) & 3) == 1;
            begin = cpu.base(rn) + (post ? 0 : simm9);
            length = 1L << scale;
        } else if ((insn & 0x3B20_0C00) == 0x3820_0800) {
            // register offset
            int opc = (insn >>> 22) & 3;
            int scale = simd && opc >= 2 ? 4 : size;
            isStore = simd ? (opc & 1) == 0 : opc == 0;
            int option = (insn >>> 13) & 7;
            long rm = cpu.index((insn >>> 16) & 31);
            long offset;
            switch (option) {
                case 2:
                    offset = rm & 0xFFFF_FFFFL;
                    break;
                case 6:
                    offset = (int) rm;
                    break;
                default:
                    offset = rm;
                    break;
            }
            boolean shifted = (insn & (1 << 12)) != 0;
            begin = cpu.base(rn) + (shifted ? offset << scale : offset);
            length = 1L << scale;
        } else if ((insn & 0x3A00_0000) == 0x2800_0000) {
            // load/store pair
            int opc = insn >>> 30;
            int scale = simd ? 2 + opc : 2 + (opc >>> 1);
            isStore = (insn & (1 << 22)) == 0;
            long imm7 = ((long) insn << 42) >> 57;
            boolean post = ((insn >>> 23) & 3) == 1;
            begin = cpu.base(rn) + (post ? 0 : imm7 << scale);
            length = 2L << scale;
        } else if ((insn & 0x3B00_0000) == 0x1800_0000) {
            // load literal
            isStore = false;
            long imm19 = ((long) insn << 40) >> 45;
            begin = pc + (imm19 << 2);
            length = simd ? 4L << size : 8;
        } else if ((insn & 0x3F00_0000) == 0x0800_0000) {
            // exclusive, acquire/release
            isStore = (insn & (1 << 22)) == 0;
            begin = cpu.base(rn);
            length = 2L << size;
        } else if ((insn & 0xBE00_0000) == 0x0C00_0000) {
            // SIMD load/store multiple or single structures
            isStore = (insn & (1 << 22)) == 0;
            begin = cpu.base(rn);
            length = 64;
        } else if ((insn & 0xFFFF_FFE0) == DC_ZVA) {
            // DC ZVA, Xt: zeroes the aligned block holding Xt (a store, for faults)
            isStore = true;
            length = SystemInstructionHooks.DC_ZVA_BLOCK_BYTES;
            begin = cpu.index(insn & 31) & -length;
        } else {
            return null;
        }
        return new DataAccess(begin, length, isStore);
    }

    /** DC ZVA, X0: SYS #3, C7, C4, #1, X0. */
    static final int DC_ZVA = 0xD50B_7420;

    /** The bytes a load or store touches: {@code [begin, begin + length)}. */
    record DataAccess(long begin, long length, boolean store) {
    }
}
