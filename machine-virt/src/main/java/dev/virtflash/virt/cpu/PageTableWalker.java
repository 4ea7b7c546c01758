package dev.virtflash.virt.cpu;

import static dev.virtflash.virt.cpu.UnicornLibrary.UC_PROT_ALL;
import static dev.virtflash.virt.cpu.UnicornLibrary.UC_PROT_EXEC;
import static dev.virtflash.virt.cpu.UnicornLibrary.UC_PROT_NONE;
import static dev.virtflash.virt.cpu.UnicornLibrary.UC_PROT_READ;
import static dev.virtflash.virt.cpu.UnicornLibrary.UC_PROT_WRITE;

import dev.virtflash.virt.cpu.Translation.Access;
import dev.virtflash.virt.cpu.Translation.Fault;
import dev.virtflash.virt.cpu.Translation.Kind;
import dev.virtflash.virt.cpu.Translation.Mapped;

/**
 * The AArch64 stage-1 translation of the EL1&amp;0 regime, as a Cortex-A57 (ARMv8.0) does it and as QEMU 7.2's
 * {@code get_phys_addr_lpae} models it: VA range selection by bit 55 (TTBR0_EL1 / TTBR1_EL1), T0SZ/T1SZ, EPD0/EPD1,
 * TBI0/TBI1, the 4 KiB, 16 KiB and 64 KiB granules (TG0/TG1), table, block and page descriptors, the output size
 * (TCR_EL1.IPS, at most the A57's 44-bit PARange), the access flag, AP[2:1] with APTable, UXN/PXN with
 * UXNTable/PXNTable, the implicit PXN of EL0-writable pages and SCTLR_EL1.WXN. With SCTLR_EL1.M clear, addresses
 * are physical (below the 44-bit physical range; above it, an address size fault at level 0, as on QEMU).
 *
 * <p>Faults are reported as QEMU orders them: translation (invalid descriptor, VA outside both ranges, EPDn set,
 * TxSZ out of range), address size, external abort on a table address with no memory, access flag, permission.
 *
 * <p>Not modelled (the A57 has none of them): PAN, UAO, HPD, hardware access-flag and dirty-bit management, 52-bit
 * addresses, TTBCR/short descriptors (AArch32), stage 2 and the EL2/EL3 regimes. Memory attributes (MAIR_EL1,
 * shareability, cacheability) do not change the translation and are not looked at: in particular an unaligned access
 * to Device memory does not fault. ASIDs and the nG bit do not matter here: the translation is not cached by the
 * walker, and Unicorn's TLB (which caches its results per MMU index) is flushed by the guest's TLBI instructions and
 * by writes that change TCR_EL1, SCTLR_EL1 or an ASID, as QEMU does.
 *
 * <p>Stateless: the caller passes the registers and the memory that holds the tables.
 */
final class PageTableWalker {

    /** SCTLR_EL1.M: stage-1 translation on. */
    static final long SCTLR_M = 1L;
    /** SCTLR_EL1.WXN: writable implies execute-never. */
    static final long SCTLR_WXN = 1L << 19;

    /** TCR_EL1 fields. */
    static final int TCR_T0SZ_SHIFT = 0;
    static final long TCR_EPD0 = 1L << 7;
    static final int TCR_TG0_SHIFT = 14;
    static final int TCR_T1SZ_SHIFT = 16;
    static final long TCR_EPD1 = 1L << 23;
    static final int TCR_TG1_SHIFT = 30;
    static final int TCR_IPS_SHIFT = 32;
    static final long TCR_TBI0 = 1L << 37;
    static final long TCR_TBI1 = 1L << 38;

    /** TxSZ limits of ARMv8.0 (no FEAT_LVA, no FEAT_TTST). */
    static final int MIN_TXSZ = 16;
    static final int MAX_TXSZ = 39;
    /** The Cortex-A57's physical address size (ID_AA64MMFR0_EL1.PARange = 4 in QEMU's model). */
    static final int PA_BITS = 44;
    /** Physical address sizes by TCR_EL1.IPS. */
    private static final int[] IPS_BITS = {32, 36, 40, 42, 44, 48, 52};

    /** Descriptor bits. */
    static final long DESC_VALID = 1L;
    static final long DESC_TABLE = 2L;
    static final int DESC_AP_SHIFT = 6;
    static final long DESC_AF = 1L << 10;
    static final long DESC_PXN = 1L << 53;
    static final long DESC_UXN = 1L << 54;
    /** Table descriptor bits 63:59 (NSTable, APTable[1:0], UXNTable, PXNTable), kept shifted down by 59. */
    static final int TABLE_ATTR_SHIFT = 59;
    static final int TABLE_PXN = 1;
    static final int TABLE_UXN = 1 << 1;
    static final int TABLE_AP_NO_EL0 = 1 << 2;
    static final int TABLE_AP_READ_ONLY = 1 << 3;
    /** Output address bits of descriptors: 47:12 (the granule's low bits are cleared per level). */
    static final long OA_MASK = 0x0000_FFFF_FFFF_F000L;

    /** Where a walk reads descriptors: guest physical memory. */
    interface Descriptors {
        /** Whether 8 bytes at {@code physical} are memory (RAM or a ROM device). */
        boolean has(long physical);

        /** The little-endian descriptor at {@code physical} (which {@link #has} accepted). */
        long read(long physical);
    }

    /** The EL1&amp;0 regime's registers. */
    record Registers(long sctlr, long tcr, long ttbr0, long ttbr1) {

        boolean mmuOn() {
            return (sctlr & SCTLR_M) != 0;
        }
    }

    private final Descriptors memory;

    PageTableWalker(Descriptors memory) {
        this.memory = memory;
    }

    /**
     * Translates {@code va} for an access from EL0 ({@code el0}) or EL1, checking the access against the page's
     * permissions.
     */
    Translation translate(Registers regs, long va, Access access, boolean el0) {
        Translation t = lookup(regs, va, el0);
        if (t instanceof Mapped m && !permits(m.perms(), access)) {
            return new Fault(Kind.PERMISSION, m.level());
        }
        return t;
    }

    static boolean permits(int perms, Access access) {
        int need = switch (access) {
            case READ -> UC_PROT_READ;
            case WRITE -> UC_PROT_WRITE;
            case FETCH -> UC_PROT_EXEC;
        };
        return (perms & need) != 0;
    }

    /**
     * Translates {@code va} as seen from EL0 ({@code el0}) or EL1 without checking an access: the physical address
     * and the permissions there, or a translation, address size or access flag fault.
     */
    Translation lookup(Registers regs, long va, boolean el0) {
        if (!regs.mmuOn()) {
            return (va >>> PA_BITS) == 0 ? new Mapped(va, UC_PROT_ALL, 0) : new Fault(Kind.ADDRESS_SIZE, 0);
        }
        long tcr = regs.tcr();
        boolean upper = (va & (1L << 55)) != 0;
        int tsz = (int) ((tcr >>> (upper ? TCR_T1SZ_SHIFT : TCR_T0SZ_SHIFT)) & 0x3F);
        int granuleBits = upper ? tg1Bits((int) ((tcr >>> TCR_TG1_SHIFT) & 3))
                : tg0Bits((int) ((tcr >>> TCR_TG0_SHIFT) & 3));
        boolean disabled = (tcr & (upper ? TCR_EPD1 : TCR_EPD0)) != 0;
        boolean tbi = (tcr & (upper ? TCR_TBI1 : TCR_TBI0)) != 0;
        if (tsz < MIN_TXSZ || tsz > MAX_TXSZ || disabled) {
            return new Fault(Kind.TRANSLATION, 0);
        }
        int inputBits = 64 - tsz;
        // Bits [top:inputBits] must all equal bit 55 (the top byte is ignored with TBI).
        int top = tbi ? 55 : 63;
        long high = (va >>> inputBits) & ((1L << (top - inputBits + 1)) - 1);
        long expected = upper ? (1L << (top - inputBits + 1)) - 1 : 0;
        if (high != expected) {
            return new Fault(Kind.TRANSLATION, 0);
        }
        int outputBits = Math.min(IPS_BITS[Math.min((int) ((tcr >>> TCR_IPS_SHIFT) & 7), IPS_BITS.length - 1)],
                PA_BITS);
        int stride = granuleBits - 3;
        int startLevel = 3 - (inputBits - granuleBits - 1) / stride;
        int level = startLevel;
        // The first table holds 2^(inputBits - shift of the start level) entries and is aligned to its size.
        int firstShift = granuleBits + stride * (3 - level);
        long tableBytes = 8L << (inputBits - firstShift);
        long table = (upper ? regs.ttbr1() : regs.ttbr0()) & 0x0000_FFFF_FFFF_FFFFL & -tableBytes;
        int tableAttrs = 0;
        while (true) {
            int shift = granuleBits + stride * (3 - level);
            int indexBits = level == startLevel ? inputBits - shift : stride;
            long index = (va >>> shift) & ((1L << indexBits) - 1);
            long at = table + 8 * index;
            if (!memory.has(at)) {
                return new Fault(Kind.EXTERNAL_ON_WALK, level);
            }
            long desc = memory.read(at);
            if ((desc & DESC_VALID) == 0 || (level == 3 && (desc & DESC_TABLE) == 0)) {
                return new Fault(Kind.TRANSLATION, level);
            }
            if (level < 3 && (desc & DESC_TABLE) != 0) {
                table = desc & OA_MASK & -(1L << granuleBits);
                if ((table >>> outputBits) != 0) {
                    return new Fault(Kind.ADDRESS_SIZE, level);
                }
                tableAttrs |= (int) (desc >>> TABLE_ATTR_SHIFT);
                level++;
                continue;
            }
            if (level < 3 && !blockAllowed(granuleBits, level)) {
                return new Fault(Kind.TRANSLATION, level);
            }
            long outputBase = desc & OA_MASK & -(1L << shift);
            if ((outputBase >>> outputBits) != 0) {
                return new Fault(Kind.ADDRESS_SIZE, level);
            }
            if ((desc & DESC_AF) == 0) {
                return new Fault(Kind.ACCESS_FLAG, level);
            }
            long physical = outputBase | (va & ((1L << shift) - 1));
            return new Mapped(physical, perms(regs, desc, tableAttrs, el0), level);
        }
    }

    /** Block descriptors exist at level 1 and 2 with 4 KiB granules, at level 2 with 16 KiB and 64 KiB ones. */
    private static boolean blockAllowed(int granuleBits, int level) {
        return level == 2 || (level == 1 && granuleBits == 12);
    }

    /** TG0: 0 = 4 KiB, 1 = 64 KiB, 2 = 16 KiB; the reserved value acts as 4 KiB (QEMU). */
    private static int tg0Bits(int tg0) {
        return tg0 == 1 ? 16 : tg0 == 2 ? 14 : 12;
    }

    /** The granule (log2 of the page size) that translates {@code va}: TG1 for the upper range, TG0 for the lower. */
    static int granuleBits(Registers regs, long va) {
        long tcr = regs.tcr();
        return (va & (1L << 55)) != 0 ? tg1Bits((int) ((tcr >>> TCR_TG1_SHIFT) & 3))
                : tg0Bits((int) ((tcr >>> TCR_TG0_SHIFT) & 3));
    }

    /** TG1: 1 = 16 KiB, 2 = 4 KiB, 3 = 64 KiB; the reserved value acts as 4 KiB (QEMU). */
    private static int tg1Bits(int tg1) {
        return tg1 == 1 ? 14 : tg1 == 3 ? 16 : 12;
    }

    /**
     * Permissions as QEMU's {@code get_S1prot} computes them for AArch64 EL1&amp;0 without PAN: AP[2:1] (with
     * APTable) give read/write for EL0 and EL1; EL0 may execute unless UXN, EL1 unless PXN or the page is writable
     * from EL0; with SCTLR_EL1.WXN a writable page is never executable. Execute does not need read.
     */
    private static int perms(Registers regs, long desc, int tableAttrs, boolean el0) {
        int ap = (int) ((desc >>> DESC_AP_SHIFT) & 3);
        if ((tableAttrs & TABLE_AP_NO_EL0) != 0) {
            ap &= ~1;
        }
        if ((tableAttrs & TABLE_AP_READ_ONLY) != 0) {
            ap |= 2;
        }
        boolean uxn = (desc & DESC_UXN) != 0 || (tableAttrs & TABLE_UXN) != 0;
        boolean pxn = (desc & DESC_PXN) != 0 || (tableAttrs & TABLE_PXN) != 0;
        int userRw = apToRw(ap, true);
        int rw = el0 ? userRw : apToRw(ap, false);
        boolean xn = el0 ? uxn : pxn || (userRw & UC_PROT_WRITE) != 0;
        if ((regs.sctlr() & SCTLR_WXN) != 0 && (rw & UC_PROT_WRITE) != 0) {
            xn = true;
        }
        return xn ? rw : rw | UC_PROT_EXEC;
    }

    /** AP[2:1]: 00 EL1 RW, 01 EL0+EL1 RW, 10 EL1 RO, 11 EL0+EL1 RO. */
    private static int apToRw(int ap, boolean el0) {
        int rw = (ap & 2) != 0 ? UC_PROT_READ : UC_PROT_READ | UC_PROT_WRITE;
        if (el0 && (ap & 1) == 0) {
            return UC_PROT_NONE;
        }
        return rw;
    }
}
