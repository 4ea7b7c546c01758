package dev.virtflash.virt.cpu;

import static dev.virtflash.virt.cpu.UnicornLibrary.UC_PROT_ALL;
import static dev.virtflash.virt.cpu.UnicornLibrary.UC_PROT_EXEC;
import static dev.virtflash.virt.cpu.UnicornLibrary.UC_PROT_READ;
import static dev.virtflash.virt.cpu.UnicornLibrary.UC_PROT_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.virtflash.memory.HostMemory;
import dev.virtflash.virt.cpu.Translation.Access;
import dev.virtflash.virt.cpu.Translation.Fault;
import dev.virtflash.virt.cpu.Translation.Kind;
import dev.virtflash.virt.cpu.Translation.Mapped;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stage-1 walker against page tables built by hand in guest RAM (a {@link HostMemory} at 0x4000_0000). */
class PageTableWalkerTest {

    static final long RAM = 0x4000_0000L;
    static final long RAM_SIZE = 4 << 20;

    /** Page and block descriptor attributes. */
    static final long PAGE = 3;
    static final long BLOCK = 1;
    static final long TABLE = 3;
    static final long AF = 1L << 10;
    static final long AP_EL0_RW = 1L << 6;
    static final long AP_EL1_RO = 2L << 6;
    static final long AP_RO = 3L << 6;
    static final long PXN = 1L << 53;
    static final long UXN = 1L << 54;
    static final long PXN_TABLE = 1L << 59;
    static final long UXN_TABLE = 1L << 60;
    static final long AP_TABLE_NO_EL0 = 1L << 61;
    static final long AP_TABLE_RO = 1L << 62;

    /** TCR: 48-bit VA both halves, 4 KiB granules, 40-bit IPS. */
    static final long TCR_4K_48 = 16L | 16L << 16 | 2L << 30 | 2L << 32;

    final HostMemory ram = HostMemory.allocate("walker.ram", RAM_SIZE);
    long next = RAM;
    final PageTableWalker walker = new PageTableWalker(new PageTableWalker.Descriptors() {
        @Override
        public boolean has(long physical) {
            return physical >= RAM && physical + 8 <= RAM + RAM_SIZE;
        }

        @Override
        public long read(long physical) {
            return ram.load(physical - RAM, 8);
        }
    });

    @AfterEach
    void close() {
        ram.close();
    }

    long table(long bytes) {
        long t = (next + bytes - 1) & -bytes;
        next = t + bytes;
        return t;
    }

    void put(long table, int index, long descriptor) {
        ram.store(table + 8L * index - RAM, 8, descriptor);
    }

    /** 4 KiB granule, 48-bit: a 4-level chain for va (tables created as needed, in a fixed order) ending in leaf. */
    long[] chain4k(long va) {
        long l0 = table(4096);
        long l1 = table(4096);
        long l2 = table(4096);
        long l3 = table(4096);
        put(l0, idx(va, 39), l1 | TABLE);
        put(l1, idx(va, 30), l2 | TABLE);
        put(l2, idx(va, 21), l3 | TABLE);
        return new long[]{l0, l1, l2, l3};
    }

    static int idx(long va, int shift) {
        return (int) ((va >>> shift) & 511);
    }

    static PageTableWalker.Registers regs(long tcr, long ttbr0, long ttbr1) {
        return new PageTableWalker.Registers(PageTableWalker.SCTLR_M, tcr, ttbr0, ttbr1);
    }

    Translation el1(PageTableWalker.Registers r, long va, Access a) {
        return walker.translate(r, va, a, false);
    }

    Translation el0(PageTableWalker.Registers r, long va, Access a) {
        return walker.translate(r, va, a, true);
    }

    @Test
    void mmuOffIsIdentityBelowThe44BitPhysicalRange() {
        PageTableWalker.Registers off = new PageTableWalker.Registers(0, 0, 0, 0);
        assertEquals(new Mapped(0x4000_1234L, UC_PROT_ALL, 0), el1(off, 0x4000_1234L, Access.WRITE));
        assertEquals(new Fault(Kind.ADDRESS_SIZE, 0), el1(off, 1L << 44, Access.READ));
        assertEquals(new Fault(Kind.ADDRESS_SIZE, 0), el1(off, 0xF000_0000_0000L, Access.FETCH),
                "the ROM devices' private views are out of the guest's reach");
    }

    @Test
    void pageOfFourLevelsTranslatesAndMissingLevelsFaultWhereTheyAre() {
        long va = 0x0000_1234_5678_9ABCL;
        long[] t = chain4k(va);
        put(t[3], idx(va, 12), 0x4020_0000L | PAGE | AF);
        PageTableWalker.Registers r = regs(TCR_4K_48, t[0], 0);
        Translation m = el1(r, va, Access.READ);
        assertEquals(new Mapped(0x4020_0ABCL, UC_PROT_READ | UC_PROT_WRITE | UC_PROT_EXEC, 3), m);
        assertEquals(new Fault(Kind.TRANSLATION, 3), el1(r, va + 0x1000, Access.READ), "next page: empty entry");
        assertEquals(new Fault(Kind.TRANSLATION, 2), el1(r, va + 0x20_0000, Access.READ));
        assertEquals(new Fault(Kind.TRANSLATION, 1), el1(r, va + 0x4000_0000L, Access.READ));
        assertEquals(new Fault(Kind.TRANSLATION, 0), el1(r, va + (1L << 39), Access.READ));
        assertEquals(4, new Fault(Kind.TRANSLATION, 0).statusCode());
        assertEquals(7, new Fault(Kind.TRANSLATION, 3).statusCode());
    }

    @Test
    void level3EntryWithBlockEncodingIsReservedAndFaults() {
        long va = 0x1000;
        long[] t = chain4k(va);
        put(t[3], idx(va, 12), 0x4020_0000L | BLOCK | AF);
        assertEquals(new Fault(Kind.TRANSLATION, 3), el1(regs(TCR_4K_48, t[0], 0), va, Access.READ));
    }

    @Test
    void blocksAtLevelOneAndTwo() {
        long l0 = table(4096);
        long l1 = table(4096);
        long l2 = table(4096);
        put(l0, 0, l1 | TABLE);
        put(l1, 1, 0x4000_0000L | BLOCK | AF);                      // VA 1 GiB..2 GiB -> PA 1 GiB
        put(l1, 2, l2 | TABLE);
        put(l2, 3, 0x4060_0000L | BLOCK | AF | AP_RO);              // VA 0x8060_0000 -> PA 0x4060_0000, 2 MiB
        PageTableWalker.Registers r = regs(TCR_4K_48, l0, 0);
        assertEquals(new Mapped(0x7654_3210L, UC_PROT_ALL, 1), el1(r, 0x7654_3210L, Access.WRITE));
        assertEquals(new Mapped(0x4061_2345L, UC_PROT_READ | UC_PROT_EXEC, 2), el1(r, 0x8061_2345L, Access.FETCH));
        assertEquals(new Fault(Kind.PERMISSION, 2), el1(r, 0x8061_2345L, Access.WRITE));
        put(l0, 1, 0x8000_0000_00L | BLOCK | AF);                     // a level-0 block does not exist
        assertEquals(new Fault(Kind.TRANSLATION, 0), el1(r, 1L << 39, Access.READ));
    }

    @Test
    void upperRangeGoesThroughTtbr1AndTheHoleFaultsAtLevelZero() {
        long va = 0xFFFF_8000_0010_2000L;
        long[] t = chain4k(va);
        put(t[3], idx(va, 12), 0x4030_0000L | PAGE | AF);
        PageTableWalker.Registers r = regs(TCR_4K_48, 0, t[0]);
        assertEquals(new Mapped(0x4030_0008L, UC_PROT_ALL, 3), el1(r, va + 8, Access.READ));
        assertEquals(new Fault(Kind.TRANSLATION, 0), el1(r, 0xFFFE_8000_0010_2000L, Access.READ), "not canonical");
        assertEquals(new Fault(Kind.TRANSLATION, 0), el1(r, 0x0001_0000_0000_0000L, Access.READ), "above TTBR0's");
        long tbi1 = TCR_4K_48 | PageTableWalker.TCR_TBI1;
        assertEquals(new Mapped(0x4030_0008L, UC_PROT_ALL, 3), el1(regs(tbi1, 0, t[0]), (va + 8) & ~(0xFEL << 56),
                Access.READ), "top byte ignored");
        long epd1 = TCR_4K_48 | PageTableWalker.TCR_EPD1;
        assertEquals(new Fault(Kind.TRANSLATION, 0), el1(regs(epd1, 0, t[0]), va, Access.READ));
    }

    @Test
    void accessFlagFaultComesBeforePermission() {
        long va = 0x5000;
        long[] t = chain4k(va);
        put(t[3], idx(va, 12), 0x4020_0000L | PAGE | AP_RO);
        assertEquals(new Fault(Kind.ACCESS_FLAG, 3), el1(regs(TCR_4K_48, t[0], 0), va, Access.WRITE));
        assertEquals(0x0B, new Fault(Kind.ACCESS_FLAG, 3).statusCode());
    }

    @Test
    void permissionsFollowApAndExecuteNever() {
        long va = 0x40_0000;
        long[] t = chain4k(va);
        PageTableWalker.Registers r = regs(TCR_4K_48, t[0], 0);
        long pa = 0x4020_0000L | PAGE | AF;
        // AP 00: EL1 only. EL0 may still execute (execute-only memory) unless UXN.
        put(t[3], idx(va, 12), pa);
        assertEquals(UC_PROT_ALL, perms(el1(r, va, Access.READ)));
        assertEquals(new Fault(Kind.PERMISSION, 3), el0(r, va, Access.READ));
        assertEquals(0x0F, new Fault(Kind.PERMISSION, 3).statusCode());
        assertEquals(UC_PROT_EXEC, perms(el0(r, va, Access.FETCH)));
        put(t[3], idx(va, 12), pa | UXN);
        assertEquals(new Fault(Kind.PERMISSION, 3), el0(r, va, Access.FETCH));
        // AP 01: EL0 and EL1 read/write; EL1 never executes what EL0 can write.
        put(t[3], idx(va, 12), pa | AP_EL0_RW);
        assertEquals(UC_PROT_READ | UC_PROT_WRITE, perms(el1(r, va, Access.WRITE)));
        assertEquals(UC_PROT_ALL, perms(el0(r, va, Access.WRITE)));
        assertEquals(new Fault(Kind.PERMISSION, 3), el1(r, va, Access.FETCH));
        // AP 10: EL1 read-only; PXN stops EL1 executing.
        put(t[3], idx(va, 12), pa | AP_EL1_RO | PXN);
        assertEquals(UC_PROT_READ, perms(el1(r, va, Access.READ)));
        assertEquals(new Fault(Kind.PERMISSION, 3), el1(r, va, Access.WRITE));
        assertEquals(UC_PROT_EXEC, perms(el0(r, va, Access.FETCH)));
        // AP 11: read-only for both.
        put(t[3], idx(va, 12), pa | AP_RO | UXN | PXN);
        assertEquals(UC_PROT_READ, perms(el0(r, va, Access.READ)));
        assertEquals(new Fault(Kind.PERMISSION, 3), el0(r, va, Access.WRITE));
    }

    @Test
    void tableAttributesRestrictEverythingBelow() {
        long va = 0x40_0000;
        long[] t = chain4k(va);
        PageTableWalker.Registers r = regs(TCR_4K_48, t[0], 0);
        put(t[3], idx(va, 12), 0x4020_0000L | PAGE | AF | AP_EL0_RW);
        put(t[2], idx(va, 21), t[3] | TABLE | AP_TABLE_NO_EL0);
        assertEquals(new Fault(Kind.PERMISSION, 3), el0(r, va, Access.READ));
        assertEquals(UC_PROT_READ | UC_PROT_WRITE | UC_PROT_EXEC, perms(el1(r, va, Access.READ)),
                "no longer EL0-writable, so EL1 may execute");
        put(t[2], idx(va, 21), t[3] | TABLE | AP_TABLE_RO | UXN_TABLE | PXN_TABLE);
        assertEquals(UC_PROT_READ, perms(el0(r, va, Access.READ)));
        assertEquals(UC_PROT_READ, perms(el1(r, va, Access.READ)));
    }

    @Test
    void wxnMakesWritablePagesExecuteNever() {
        long va = 0x40_0000;
        long[] t = chain4k(va);
        put(t[3], idx(va, 12), 0x4020_0000L | PAGE | AF);
        PageTableWalker.Registers r = new PageTableWalker.Registers(
                PageTableWalker.SCTLR_M | PageTableWalker.SCTLR_WXN, TCR_4K_48, t[0], 0);
        assertEquals(UC_PROT_READ | UC_PROT_WRITE, perms(el1(r, va, Access.READ)));
    }

    @Test
    void sixtyFourKiBGranuleWalksThreeLevels() {
        // TG0 = 01 (64 KiB), T0SZ 16: level 1 (6 bits), level 2 (13), level 3 (13), page offset 16 bits.
        long tcr = 16L | 1L << 14 | 2L << 32;
        long va = 0x0000_8765_4321_2345L;
        long l1 = table(1 << 16);
        long l2 = table(1 << 16);
        long l3 = table(1 << 16);
        put(l1, (int) ((va >>> 42) & 63), l2 | TABLE);
        put(l2, (int) ((va >>> 29) & 8191), l3 | TABLE);
        put(l3, (int) ((va >>> 16) & 8191), 0x4010_0000L | PAGE | AF);
        assertEquals(new Mapped(0x4010_2345L, UC_PROT_ALL, 3), el1(regs(tcr, l1, 0), va, Access.READ));
        put(l2, (int) ((va >>> 29) & 8191), 0x6000_0000L | BLOCK | AF);   // 512 MiB block at level 2
        assertEquals(new Mapped(0x6000_0000L | (va & 0x1FFF_FFFFL), UC_PROT_ALL, 2),
                el1(regs(tcr, l1, 0), va, Access.READ));
    }

    @Test
    void sixteenKiBGranuleAndA39BitSpace() {
        // TG1 = 01 (16 KiB), T1SZ 17 (47 bits): levels 1 (11 bits), 2 (11), 3 (11), page offset 14 bits.
        long tcr = 17L << 16 | 1L << 30 | 2L << 32;
        long va = 0xFFFF_C123_4567_89ABL;
        long l1 = table(1 << 14);
        long l2 = table(1 << 14);
        long l3 = table(1 << 14);
        put(l1, (int) ((va >>> 36) & 2047), l2 | TABLE);
        put(l2, (int) ((va >>> 25) & 2047), l3 | TABLE);
        put(l3, (int) ((va >>> 14) & 2047), 0x4018_0000L | PAGE | AF);
        assertEquals(new Mapped(0x4018_0000L | (va & 0x3FFF), UC_PROT_ALL, 3),
                el1(regs(tcr, 0, l1), va, Access.READ));
        // 4 KiB granule, T0SZ 25 (39 bits): the walk starts at level 1 with a 512-entry table.
        long tcr39 = 25L | 2L << 32;
        long va39 = 0x0000_0040_8000_1000L;
        long m1 = table(4096);
        long m2 = table(4096);
        long m3 = table(4096);
        put(m1, idx(va39, 30), m2 | TABLE);
        put(m2, idx(va39, 21), m3 | TABLE);
        put(m3, idx(va39, 12), 0x4011_0000L | PAGE | AF);
        assertEquals(new Mapped(0x4011_0000L, UC_PROT_ALL, 3), el1(regs(tcr39, m1, 0), va39, Access.READ));
        assertEquals(new Fault(Kind.TRANSLATION, 0), el1(regs(tcr39, m1, 0), 1L << 39, Access.READ));
    }

    @Test
    void tablesOutsideMemoryAndOutputsBeyondIpsFault() {
        long va = 0x1000;
        long[] t = chain4k(va);
        put(t[2], idx(va, 21), 0x10_0000_0000L | TABLE);           // no memory there (but inside 40 bits)
        PageTableWalker.Registers r = regs(TCR_4K_48, t[0], 0);
        assertEquals(new Fault(Kind.EXTERNAL_ON_WALK, 3), el1(r, va, Access.READ));
        assertEquals(0x17, new Fault(Kind.EXTERNAL_ON_WALK, 3).statusCode());
        put(t[2], idx(va, 21), 0x100_0000_0000L | BLOCK | AF);     // 1 TiB: beyond IPS = 40 bits
        assertEquals(new Fault(Kind.ADDRESS_SIZE, 2), el1(r, va, Access.READ));
    }

    private static int perms(Translation t) {
        return assertInstanceOf(Mapped.class, t, t::toString).perms();
    }
}
