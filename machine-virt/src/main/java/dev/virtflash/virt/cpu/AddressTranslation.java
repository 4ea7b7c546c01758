package dev.virtflash.virt.cpu;

import static dev.virtflash.virt.cpu.UnicornLibrary.TLB_ENTRY_PADDR_OFFSET;
import static dev.virtflash.virt.cpu.UnicornLibrary.TLB_ENTRY_PERMS_OFFSET;
import static dev.virtflash.virt.cpu.UnicornLibrary.UC_PROT_ALL;

import com.sun.jna.Pointer;
import dev.virtflash.memory.AddressSpace;
import dev.virtflash.memory.RamRegion;
import dev.virtflash.memory.RomDeviceRegion;
import dev.virtflash.virt.cpu.Translation.Access;
import dev.virtflash.virt.cpu.Translation.Fault;
import dev.virtflash.virt.cpu.Translation.Mapped;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Virtual to physical addresses for the CPU: the engine's TLB-fill hook, and every read the binding makes of guest
 * memory by a virtual address.
 *
 * <p>Unicorn runs in virtual-TLB mode: on every TLB miss (of a 1 KiB page: Unicorn's AArch64 page size) it asks the one {@code UC_HOOK_TLB_FILL} hook here, which
 * walks the guest's stage-1 tables ({@link PageTableWalker}, with the EL1&amp;0 registers and the exception level of
 * the moment) and answers with the physical page and the permissions of the exception level; Unicorn caches that per
 * MMU index until the guest invalidates it (TLBI, or a write of TCR_EL1, SCTLR_EL1 or an ASID, which QEMU turns into
 * a flush). A physical page of a ROM device goes on to its {@link RomDeviceMapping}, which picks the view of the
 * device's mode; the page-table permissions then restrict the view's. A walk that faults makes the hook refuse: Unicorn
 * then stops the run with {@code UC_ERR_EXCEPTION} with PC on the faulting instruction (a fetch: on the fetched
 * address), and the fault waits in {@link #takeAbort()} for the run loop to deliver as an abort.
 *
 * <p>Every entry gets all the permissions the page tables give (not only the access that missed): otherwise a page read
 * and written in turn (the stack, any data) would miss the TLB at every change of direction, and each store miss takes
 * Unicorn's slow dirty-tracking path (measured with the identity fill this replaces: a quarter of AAVMF's boot time).
 *
 * <p>While the engine drops translated code by physical address ({@link UnicornEngine#removeTranslations}), the hook
 * maps the engine's physical window one-to-one instead.
 *
 * <p>Not modelled: unprivileged loads and stores (LDTR/STTR) at EL1 are checked with EL1's permissions, not EL0's
 * (the hook does not learn the MMU index; a kernel's own checks keep such accesses on user pages, where both agree).
 */
final class AddressTranslation {

    private static final Logger LOG = LoggerFactory.getLogger(AddressTranslation.class);

    /**
     * The {@code until} address of every {@code uc_emu_start}: one no instruction is ever at. After each run Unicorn
     * drops the code at {@code until - 1}, translating that address as a fetch through the TLB-fill hook, outside the
     * guest's execution, where a refusal would unwind into nothing; so its page is answered without a walk (mapped to
     * no memory, where the drop does nothing). No guest fetch can reach it either: its top byte (0x00) disagrees with
     * bit 55, so it is outside both translation ranges, and with TBI a branch target's top byte is cleaned first.
     */
    static final long RUN_UNTIL = 0x00FF_FFFF_FFFF_FFFEL;
    /** A physical address with no memory: where {@link #RUN_UNTIL}'s page goes. */
    private static final long NO_MEMORY = UnicornEngine.PHYSICAL_WINDOW_SIZE;

    /**
     * A refused TLB fill, waiting to be delivered: the page (of {@code pageSize} bytes) and the access and EL that
     * asked, and the fault.
     */
    record Abort(long page, long pageSize, Access access, int el, Fault fault) {
    }

    private final UnicornEngine engine;
    private final List<RomDeviceMapping> roms;
    private final List<AddressSpace.Mapping> mapped;
    /** The index in {@link #mapped} of the last region {@link #memoryAt} found. */
    private int lastMapping;
    private final RomDeviceMapping.Faults faults;
    private final PageTableWalker walker;
    /** Unicorn's page size (1 KiB on AArch64 in 2.1.1): the granularity of TLB fills. */
    private final long pageSize;
    private final long runUntilPage;
    private PageTableWalker.Registers registers;
    private Abort abort;
    /** True while the guest executes (inside uc_emu_start); only then may a fill be refused. */
    private boolean guestRunning;
    /** A fill outside the guest's execution left an identity entry in Unicorn's TLB: flush before the guest runs. */
    private boolean staleEntries;
    /** The blocks whose translations filled TLB entries since the TLB was last dropped whole by this class. */
    private final BlockEntries blocks = new BlockEntries();

    /**
     * @param roms   the CPU's ROM device mappings (a live list)
     * @param mapped every region the CPU mapped (a live list): RAM and ROM devices hold page tables
     */
    AddressTranslation(UnicornEngine engine, List<RomDeviceMapping> roms, List<AddressSpace.Mapping> mapped,
                       RomDeviceMapping.Faults faults) {
        this.engine = engine;
        this.roms = roms;
        this.mapped = mapped;
        this.faults = faults;
        this.pageSize = engine.pageSize();
        this.runUntilPage = (RUN_UNTIL - 1) & -pageSize;
        this.walker = new PageTableWalker(new PageTableWalker.Descriptors() {
            @Override
            public boolean has(long physical) {
                return memoryAt(physical, 8) != null;
            }

            @Override
            public long read(long physical) {
                return readLong(physical);
            }
        });
        engine.hookTlbFill((uc, vaddr, type, result, userData) -> fill(vaddr, type, result), 1, 0);
    }

    /**
     * The guest may have changed SCTLR_EL1, TCR_EL1 or a TTBR (an MSR to them, a reset, a new run): read them again at
     * the next walk.
     */
    void registersChanged() {
        registers = null;
    }

    private PageTableWalker.Registers registers() {
        PageTableWalker.Registers r = registers;
        if (r == null) {
            r = engine.mmuRegisters();
            registers = r;
        }
        return r;
    }

    private int currentEl() {
        return (int) ((engine.pstate() >>> 2) & 3);
    }

    /** The TLB-fill hook: {@code vaddr} is page-aligned, {@code type} the access that missed. */
    private boolean fill(long vaddr, int type, long result) {
        try {
            if (engine.inPhysicalWindow()
                    && Long.compareUnsigned(vaddr - UnicornEngine.PHYSICAL_WINDOW, UnicornEngine.PHYSICAL_WINDOW_SIZE)
                    < 0) {
                entry(result, vaddr - UnicornEngine.PHYSICAL_WINDOW, UC_PROT_ALL);
                return true;
            }
            if (vaddr == runUntilPage) {
                entry(result, NO_MEMORY, UC_PROT_ALL);
                return true;
            }
            if (!guestRunning) {
                // Unicorn drops code at a physical range it names by virtual address (uc_mem_protect, uc_hook_add
                // with bounds, at set-up): answer one-to-one, and flush that answer before the guest runs.
                staleEntries = true;
                entry(result, vaddr, UC_PROT_ALL);
                return true;
            }
            int el = currentEl();
            Access access = Access.ofMemType(type);
            Translation t = el > 1 ? new Mapped(vaddr, UC_PROT_ALL, 0)
                    : walker.translate(registers(), vaddr, access, el == 0);
            if (t instanceof Fault f) {
                abort = new Abort(vaddr, pageSize, access, el, f);
                if (LOG.isTraceEnabled()) {
                    LOG.trace("EL{} {} at page 0x{}: {} fault at level {}", el, access, Long.toHexString(vaddr),
                            f.kind(), f.level());
                }
                return false;
            }
            Mapped m = (Mapped) t;
            if (m.level() > 0 && m.level() < 3) {
                blocks.add(vaddr, registers(), m.level());
            }
            long physical = m.physical();
            RomDeviceMapping rom = rom(physical);
            if (rom == null) {
                entry(result, physical, m.perms());
                return true;
            }
            if (!rom.fill(physical, type, result, vaddr)) {
                return false;
            }
            Pointer e = new Pointer(result);
            e.setInt(TLB_ENTRY_PERMS_OFFSET, e.getInt(TLB_ENTRY_PERMS_OFFSET) & m.perms());
            return true;
        } catch (Throwable t) {
            faults.hostError("TLB fill at 0x" + Long.toHexString(vaddr) + " failed: " + t, t);
            return false;
        }
    }

    /**
     * A TLBI by address (VAE1, VALE1, VAAE1, VAALE1 and their IS forms) of {@code va}: drops the engine's entries for
     * the guest page at {@code va} (4, 16 or 64 KiB, so 4 to 64 of the engine's 1 KiB pages, whatever ASID), or the
     * whole TLB where one page cannot be enough: when an entry there may have come from a block descriptor since the
     * last whole drop (the TLBI drops the block's entry, all of it, architecturally), or the engine cannot drop pages.
     *
     * @return whether the whole TLB was dropped
     */
    boolean invalidateGuestPage(long va) {
        if (!engine.flushesTlbPages() || blocks.mayCover(va)) {
            flushTlb();
            return true;
        }
        long size = 1L << PageTableWalker.granuleBits(registers(), va);
        long first = va & -size;
        for (long page = first; page - first < size; page += pageSize) {
            engine.flushTlbPage(page);
        }
        return false;
    }

    /** Drops the whole TLB, and with it what is known of block entries in it. */
    void flushTlb() {
        engine.flushTlb();
        blocks.clear();
    }

    private static void entry(long result, long physical, int perms) {
        Pointer e = new Pointer(result);
        e.setLong(TLB_ENTRY_PADDR_OFFSET, physical);
        e.setInt(TLB_ENTRY_PERMS_OFFSET, perms);
    }

    /** The fault of the last refused fill, once (null if none since the last call). */
    Abort takeAbort() {
        Abort a = abort;
        abort = null;
        return a;
    }

    /**
     * The guest is about to execute (the run loop calls this right before {@code uc_emu_start}): forgets a refused
     * fill that did not end the last run, and flushes entries made outside the guest's execution.
     */
    void enterGuest() {
        abort = null;
        if (staleEntries) {
            staleEntries = false;
            flushTlb();
        }
        guestRunning = true;
    }

    /** {@code uc_emu_start} returned. */
    void leaveGuest() {
        guestRunning = false;
    }

    /**
     * Where {@code va} is for the current exception level, ignoring permissions: the physical address, or -1 if the
     * translation faults.
     */
    long physical(long va) {
        int el = currentEl();
        if (el > 1) {
            return va;
        }
        Translation t = walker.lookup(registers(), va, el == 0);
        return t instanceof Mapped m ? m.physical() : -1;
    }

    /**
     * Reads guest memory at virtual address {@code va} as the guest at its current exception level sees it (page by
     * page, ignoring permissions); false if a page does not translate or holds no memory.
     */
    boolean readVirtual(long va, byte[] dst) {
        int done = 0;
        while (done < dst.length) {
            long at = va + done;
            int chunk = (int) Math.min(dst.length - done, pageSize - (at & (pageSize - 1)));
            long physical = physical(at);
            if (physical == -1 || !readPhysical(physical, dst, done, chunk)) {
                return false;
            }
            done += chunk;
        }
        return true;
    }

    /** Reads physical memory as the guest would: ROM devices through their region, the rest through Unicorn. */
    private boolean readPhysical(long physical, byte[] dst, int offset, int length) {
        RomDeviceMapping rom = rom(physical);
        byte[] buffer = offset == 0 && length == dst.length ? dst : new byte[length];
        if (rom == null) {
            if (!engine.read(physical, buffer)) {
                return false;
            }
        } else {
            long at = physical - rom.base();
            if (at > rom.region().size() - length) {
                return false;
            }
            rom.read(at, buffer);
        }
        if (buffer != dst) {
            System.arraycopy(buffer, 0, dst, offset, length);
        }
        return true;
    }

    /** The RAM or ROM device memory holding {@code [physical, physical + length)}, as a mapping, or null. */
    private AddressSpace.Mapping memoryAt(long physical, int length) {
        // A walk reads up to four descriptors, nearly always from one RAM region: try the last hit first (an index,
        // checked again, so a change of the live list costs a scan, never a wrong answer).
        int n = mapped.size();
        int hint = lastMapping;
        if (hint < n) {
            AddressSpace.Mapping m = mapped.get(hint);
            long offset = physical - m.base().value();
            long size = m.region().size();
            if (Long.compareUnsigned(offset, size) < 0) {
                return isMemory(m) && offset <= size - length ? m : null;
            }
        }
        for (int i = 0; i < n; i++) {
            AddressSpace.Mapping m = mapped.get(i);
            long offset = physical - m.base().value();
            long size = m.region().size();
            if (Long.compareUnsigned(offset, size) < 0) {
                lastMapping = i;
                return isMemory(m) && offset <= size - length ? m : null;
            }
        }
        return null;
    }

    private static boolean isMemory(AddressSpace.Mapping m) {
        return m.region() instanceof RamRegion || m.region() instanceof RomDeviceRegion;
    }

    /** A page-table descriptor (little-endian) from RAM, or from a ROM device as the guest would read it. */
    private long readLong(long physical) {
        AddressSpace.Mapping m = memoryAt(physical, 8);
        long offset = physical - m.base().value();
        if (m.region() instanceof RamRegion ram) {
            return ram.memory().load(offset, 8);
        }
        byte[] b = new byte[8];
        rom(physical).read(offset, b);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[i] & 0xFF);
        }
        return v;
    }

    /** The ROM device whose guest physical addresses hold {@code physical}, or null. */
    RomDeviceMapping rom(long physical) {
        for (RomDeviceMapping r : roms) {
            if (r.contains(physical)) {
                return r;
            }
        }
        return null;
    }
}
