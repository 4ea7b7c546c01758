package dev.virtflash.virt.cpu;

import com.sun.jna.Pointer;
import dev.virtflash.memory.MemoryAccessException;
import dev.virtflash.memory.PostedWrites;
import dev.virtflash.memory.RomDeviceRegion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ROM device (a flash bank) as Unicorn sees it. The device is mapped twice, once per mode, at two private
 * physical addresses far above anything a board places ({@link #ALIAS_BASE}):
 * <ul>
 *   <li>the <b>array view</b>: the device's {@code HostMemory} mapped by pointer with every permission, then protected
 *   to read+execute. Reads and fetches run at native speed; a store is discarded by Unicorn and reported, once, to the
 *   engine-wide {@code UC_HOOK_MEM_WRITE_PROT} hook, which hands it to {@link #write}. (Mapping read-only directly is
 *   not enough in Unicorn: the store would still land in memory.)</li>
 *   <li>the <b>command view</b>: an MMIO mapping with a read callback and <em>no</em> write callback, so stores
 *   still arrive at the same write-protect hook and nowhere else; reads (and instruction fetches, allowed by the
 *   fetch-protect hook) go to {@link RomDeviceRegion#read}.</li>
 * </ul>
 * The guest's own addresses for the device are not mapped at all: in virtual-TLB mode the CPU's TLB-fill hook
 * ({@link AddressTranslation}) walks the guest's page tables and hands every page whose physical address is the
 * device's to {@link #fill}, which points it at the view of the current mode.
 *
 * <p><b>Pages that hold no data</b> (in array mode) are not pointed at the array view: a guest read there would fault
 * the page into the host's memory, and on a kernel without a shared zero page that allocates it, so a guest reading an
 * empty bank would cost 64 MiB. They are pointed at the <b>zero page</b>, one page of zeros per device mapped
 * read+execute at {@link #zeroView}: every hole of the bank shares it, so reading or fetching from all 64 MiB of an
 * empty bank costs one page, at native speed, and returns what QEMU's RAM-backed array returns there (zeros; a jump
 * into a hole executes {@code 0x00000000}, an undefined instruction, as on QEMU). The zero page's TLB entry has no
 * write permission, so a store to a hole misses and asks the fill hook again, as a store: it then gets the array view
 * with write permission only ({@link #HOLE_STORE_PERMS}). The store reaches the device through the write-protect hook
 * exactly as a store to a page with data does, and Unicorn discards it (the view is read-only), so the bank's page is
 * not touched; a later load misses again (no read permission) and gets the zero page back. (The command view would
 * not do for such a store: the device may enter command mode inside the hook, and the TLB flush that follows would
 * leave Unicorn finishing an MMIO store through a TLB entry that no longer exists.) Which pages hold data is the
 * memory's own record of what wrote it ({@link dev.virtflash.memory.HostMemory#holdsData}); a page gains data only
 * through the device (in command mode, left with a TLB flush) or a host-side change ({@link #contentChanged}, which
 * flushes the TLB too), so no stale zero-page entry outlives it. Switching modes is a flag, a TLB flush (of the pages
filled for this device since the last one, or of everything) and,
 * on leaving array mode, dropping the code translated from the array view (so no chained block keeps running stale
 * array code while the device answers with status words). That costs microseconds, where unmapping and remapping a
 * 64 MiB bank costs about 10 ms in Unicorn 2.1.1 (it flushes the TLB page by page).
 *
 * <p>The drop itself walks the whole array view (0.25 to 1 ms for 64 MiB), and U-Boot's flash probe switches a
 * thousand times without running a single instruction from the bank. So the drop happens only if code may have been
 * translated from the array view since the last one: in array mode a data access gets a TLB entry without execute
 * permission ({@link #DATA_FILL_PERMS}), so the first instruction fetched from a page always comes through the fill
 * hook as a fetch, which marks the view dirty ({@code arrayCodeSinceDrop}). Every switch flushes the TLB, so no entry
 * older than the last drop survives; blocks fetched through the command view are never cached.
 *
 * <p>Timing follows the recipe measured correct on Unicorn 2.1.1: array to command switches at once, inside the hook
 * that saw the command; command to array waits: the device flips at once (the read callback then serves array bytes),
 * and the array view comes back at the next translation block boundary, through a precise stop of the run loop
 * ({@link #switchIfPending()}). Nothing that could move Unicorn's TLB under a store in progress happens inside the hook
 * in command mode.
 *
 * <p>Unaligned stores: Unicorn reports an unaligned store to a protected page once with its full size, then once
 * per byte while it performs the store byte by byte. The full-size report goes to the device (which splits it as
 * its bus would); the byte echoes are recognised and dropped.
 *
 * <p>The two views live at physical alias addresses above the A57's 44-bit physical range, so no guest translation
 * (MMU on or off) can reach them; the binding itself reaches them through the engine's physical window when it drops
 * translated code.
 */
final class RomDeviceMapping {

    /** Where the private views start: 240 TiB, inside AArch64's 48-bit physical space, far above the virt map. */
    static final long ALIAS_BASE = 0xF000_0000_0000L;
    /** Room per view: ROM devices up to 8 GiB less the zero page. */
    static final long ALIAS_STRIDE = 1L << 33;
    /** The zero page: one host page, whatever Unicorn's target page size (it divides this). */
    static final long ZERO_PAGE = 4096;
    /** The TLB permissions of the zero page: no write, so that a store to a hole misses and asks the fill hook. */
    static final int ZERO_FILL_PERMS = UnicornLibrary.UC_PROT_READ | UnicornLibrary.UC_PROT_EXEC;
    /**
     * The TLB permissions a store to a hole gets for the array view: write only, so that no load ever reads the bank's
     * page through the entry (a load misses and gets the zero page).
     */
    static final int HOLE_STORE_PERMS = UnicornLibrary.UC_PROT_WRITE;

    /**
     * The TLB permissions a data access (load or store) gets for a page of the array view: no execute, so a later
     * instruction fetch from the page misses again and is seen by the fill hook as a fetch.
     */
    static final int DATA_FILL_PERMS = UnicornLibrary.UC_PROT_READ | UnicornLibrary.UC_PROT_WRITE;

    private static final Logger LOG = LoggerFactory.getLogger(RomDeviceMapping.class);

    private final UnicornEngine engine;
    private final long base;
    private final RomDeviceRegion region;
    private final long mappedSize;
    private final long arrayView;
    private final long commandView;
    private final long zeroView;
    private final Faults faults;
    private final PostedFlashWrites posted;
    private boolean commandMode;
    /** The engine pages whose TLB entries point at one of this device's views (see {@link #switchTo}). */
    private final FilledPages filled = new FilledPages();
    private boolean switchPending;
    private long echoNext;
    private int echoRemaining;
    private long switches;
    /** Whether an instruction fetch filled a TLB entry of the array view since translations were last dropped. */
    private boolean arrayCodeSinceDrop = true;
    private long drops;

    /**
     * @param index a number unique per ROM device of the engine (0, 1, ...): selects the alias addresses
     */
    RomDeviceMapping(UnicornEngine engine, long base, RomDeviceRegion region, int index, Faults faults,
                     PostedFlashWrites posted) {
        this.engine = engine;
        this.base = base;
        this.region = region;
        this.mappedSize = region.memory().mappedSize();
        if (mappedSize > ALIAS_STRIDE - ZERO_PAGE) {
            throw new IllegalArgumentException(String.format("ROM device '%s' has 0x%x bytes; at most 0x%x fit",
                    region.name(), mappedSize, ALIAS_STRIDE - ZERO_PAGE));
        }
        this.arrayView = ALIAS_BASE + 2L * index * ALIAS_STRIDE;
        this.commandView = arrayView + ALIAS_STRIDE;
        this.zeroView = commandView + ALIAS_STRIDE - ZERO_PAGE;
        this.faults = faults;
        this.posted = posted;
        UnicornLibrary.MmioRead read = (uc, offset, size, userData) -> commandRead(offset, size);
        engine.mapPointer(arrayView, mappedSize, UnicornLibrary.UC_PROT_ALL, region.memory().address());
        engine.protect(arrayView, mappedSize, UnicornLibrary.UC_PROT_READ | UnicornLibrary.UC_PROT_EXEC);
        engine.mapMmio(commandView, mappedSize, read, null);
        engine.map(zeroView, ZERO_PAGE, ZERO_FILL_PERMS);
        this.commandMode = !region.romd();
    }

    long base() {
        return base;
    }

    /** Whether {@code address} is one of the device's guest addresses. */
    boolean contains(long address) {
        return Long.compareUnsigned(address - base, mappedSize) < 0;
    }

    /** The device offset of a physical address in either view, or -1. */
    long viewOffset(long physical) {
        if (Long.compareUnsigned(physical - arrayView, mappedSize) < 0) {
            return physical - arrayView;
        }
        if (Long.compareUnsigned(physical - commandView, mappedSize) < 0) {
            return physical - commandView;
        }
        return -1;
    }

    /** Whether {@code physical} lies in the command view (instruction fetches there are allowed). */
    boolean inCommandView(long physical) {
        return Long.compareUnsigned(physical - commandView, mappedSize) < 0;
    }

    RomDeviceRegion region() {
        return region;
    }

    /** How many times the device was switched between array and command mapping since creation. */
    long switches() {
        return switches;
    }

    /** How many times the translations of the array view were dropped on entering command mode. */
    long drops() {
        return drops;
    }

    /**
     * Fills the TLB entry {@code result} for the device page at guest <em>physical</em> address {@code vaddr} (the
     * page-table walker's output, see {@link AddressTranslation}): the page of the current mode's view, with the
     * view's permissions (the caller restricts them to the page table's). {@code guestPage} is the engine page (guest
     * virtual address) the entry is for: a mode switch drops the entries of those pages alone ({@link FilledPages}).
     */
    boolean fill(long vaddr, int type, long result, long guestPage) {
        filled.add(guestPage);
        try {
            long offset = vaddr - base;
            long paddr = (commandMode ? commandView : arrayView) + offset;
            int perms = UnicornLibrary.UC_PROT_ALL;
            if (!commandMode) {
                boolean data = offset < region.size() && region.memory().holdsData(offset);
                if (!data && type != UnicornLibrary.UC_MEM_WRITE) {
                    paddr = zeroView + offset % ZERO_PAGE;
                    perms = ZERO_FILL_PERMS;
                } else if (!data) {
                    perms = HOLE_STORE_PERMS; // a store to a hole: to the device, like every store, and discarded
                } else if (type == UnicornLibrary.UC_MEM_FETCH) {
                    arrayCodeSinceDrop = true;
                } else {
                    perms = DATA_FILL_PERMS;
                }
            }
            Pointer entry = new Pointer(result);
            entry.setLong(UnicornLibrary.TLB_ENTRY_PADDR_OFFSET, paddr);
            entry.setInt(UnicornLibrary.TLB_ENTRY_PERMS_OFFSET, perms);
            return true;
        } catch (Throwable t) {
            faults.hostError("TLB fill for " + region.name() + " at 0x" + Long.toHexString(vaddr) + " failed: " + t,
                    t);
            return false;
        }
    }

    private void switchTo(boolean command) {
        commandMode = command;
        if (command && arrayCodeSinceDrop) {
            engine.removeTranslations(arrayView, arrayView + mappedSize);
            arrayCodeSinceDrop = false;
            drops++;
        }
        filled.drop(engine);
        switches++;
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} at 0x{} switched to {} mode", region.name(), Long.toHexString(base),
                    command ? "command" : "array");
        }
    }

    /** A guest store reported by the write-protect hook, at {@code physical} in one of the views. */
    void write(long physical, int size, long value) {
        if (echoRemaining > 0 && size == 1 && physical == echoNext) {
            echoNext++;
            echoRemaining--;
            return;
        }
        echoRemaining = 0;
        long offset = viewOffset(physical);
        if (offset < 0 || offset > region.size() - size) {
            faults.accessPastEnd(base + offset, size, MemoryAccessException.Kind.WRITE, region.name());
            return;
        }
        long masked = size == 8 ? value : value & ((1L << (size * 8)) - 1);
        if (size > 1 && (physical & (size - 1)) != 0) {
            echoNext = physical;
            echoRemaining = size;
        }
        if (LOG.isTraceEnabled()) { // every bus cycle in a command mode comes here: no strings unless logged
            LOG.trace("{} write +0x{}/{} = 0x{}", region.name(), Long.toHexString(offset), size,
                    Long.toHexString(masked));
        }
        region.write(offset, size, masked);
    }

    /** The stores the device lets the CPU post now, or null (see {@link PostedFlashWrites}). */
    PostedWrites postedWrites() {
        return region.postedWrites();
    }

    /** The physical address of device offset {@code offset} in the command view (where stores reach the device). */
    long commandViewAddress(long offset) {
        return commandView + offset;
    }

    private long commandRead(long offset, int size) {
        try {
            posted.flush();
            if (offset > region.size() - size) {
                faults.accessPastEnd(base + offset, size, MemoryAccessException.Kind.READ, region.name());
                return 0;
            }
            long v = region.read(offset, size);
            if (LOG.isTraceEnabled()) {
                LOG.trace("{} read +0x{}/{} = 0x{}", region.name(), Long.toHexString(offset), size,
                        Long.toHexString(v));
            }
            return v;
        } catch (Throwable t) {
            faults.hostError(region.name() + " read at offset 0x" + Long.toHexString(offset) + " failed: " + t, t);
            return 0;
        }
    }

    /** Reads {@code dst.length} bytes at device offset {@code offset} as the guest would (for trap decoding). */
    void read(long offset, byte[] dst) {
        posted.flush();
        if (region.romd()) {
            region.memory().read(offset, dst, 0, dst.length);
            return;
        }
        for (int i = 0; i < dst.length; ) {
            long at = offset + i;
            int width = (at & 3) == 0 && dst.length - i >= 4 ? 4 : 1;
            long v = region.read(at, width);
            for (int b = 0; b < width; b++) {
                dst[i + b] = (byte) (v >>> (8 * b));
            }
            i += width;
        }
    }

    /**
     * The device entered or left array mode.
     *
     * @param running whether the guest is executing (we are inside a hook on the CPU thread)
     * @return whether the switch was deferred to the next block boundary (the caller requests a precise stop)
     */
    boolean romdChanged(boolean romd, boolean running) {
        boolean wantCommand = !romd;
        if (wantCommand == commandMode) {
            switchPending = false;
            return false;
        }
        if (wantCommand || !running) {
            switchPending = false;
            switchTo(wantCommand);
            return false;
        }
        switchPending = true;
        return true;
    }

    /** Called by the run loop between {@code uc_emu_start} calls. */
    void switchIfPending() {
        if (switchPending) {
            switchPending = false;
            boolean wantCommand = !region.romd();
            if (wantCommand != commandMode) {
                switchTo(wantCommand);
            }
        }
    }

    /**
     * The device changed {@code [offset, offset + length)} of its memory: drop code translated from it, and, in array
     * mode, the TLB entries that may point a page that now holds data at the zero page.
     */
    void contentChanged(long offset, long length) {
        if (!commandMode) {
            engine.removeTranslations(arrayView + offset, arrayView + offset + length);
            filled.drop(engine);
        }
        // In command mode no array code is cached: entering it dropped every block translated from the array view,
        // and blocks fetched through the command view are never cached.
    }

    /** Where faults found by this mapping go. */
    interface Faults {
        void accessPastEnd(long address, int size, MemoryAccessException.Kind kind, String region);

        void hostError(String message, Throwable cause);
    }
}
