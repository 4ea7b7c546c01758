package dev.virtflash.virt.cpu;

import dev.virtflash.memory.RomDeviceRegion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ROM device (a flash bank) as Unicorn sees it, switched between two mappings:
 * <ul>
 *   <li><b>array mode</b> ({@code romd == true}): the device's {@code HostMemory} mapped by pointer with every
 *   permission, then protected to read+execute. Reads and fetches run at native speed; a store is discarded by
 *   Unicorn and reported, once, to the engine-wide {@code UC_HOOK_MEM_WRITE_PROT} hook, which hands it to
 *   {@link #write}. (Mapping read-only directly is not enough in Unicorn: the store would still land in memory.)</li>
 *   <li><b>command mode</b>: an MMIO mapping with a read callback and <em>no</em> write callback, so stores still
 *   arrive at the same write-protect hook and nowhere else; reads (and instruction fetches, allowed by the
 *   fetch-protect hook) go to {@link RomDeviceRegion#read}.</li>
 * </ul>
 * Array to command is remapped at once, inside the hook that saw the command. Command to array waits: the device
 * flips at once (the read callback then serves array bytes), and the RAM mapping comes back at the next translation
 * block boundary, through a precise stop of the run loop ({@link #remapIfPending()}). Both recipes are the ones
 * measured correct on Unicorn 2.1.1 (see the project's Unicorn notes).
 *
 * <p>Unaligned stores: Unicorn reports an unaligned store to a protected page once with its full size, then once
 * per byte while it performs the store byte by byte. The full-size report goes to the device (which splits it as
 * its bus would); the byte echoes are recognised and dropped.
 */
final class RomDeviceMapping {

    private static final Logger LOG = LoggerFactory.getLogger(RomDeviceMapping.class);

    private final UnicornEngine engine;
    private final long base;
    private final RomDeviceRegion region;
    private final long mappedSize;
    private final UnicornLibrary.MmioRead readCallback;
    private final Faults faults;
    private boolean commandMapped;
    private boolean remapPending;
    private long echoNext;
    private int echoRemaining;
    private long remaps;

    RomDeviceMapping(UnicornEngine engine, long base, RomDeviceRegion region, Faults faults) {
        this.engine = engine;
        this.base = base;
        this.region = region;
        this.mappedSize = region.memory().mappedSize();
        this.faults = faults;
        this.readCallback = (uc, offset, size, userData) -> commandRead(offset, size);
        if (region.romd()) {
            mapArray();
        } else {
            mapCommand();
        }
    }

    long base() {
        return base;
    }

    long end() {
        return base + mappedSize;
    }

    boolean contains(long address) {
        return Long.compareUnsigned(address - base, mappedSize) < 0;
    }

    RomDeviceRegion region() {
        return region;
    }

    /** How many times the mapping was switched since creation. */
    long remaps() {
        return remaps;
    }

    boolean commandMapped() {
        return commandMapped;
    }

    private void mapArray() {
        engine.mapPointer(base, mappedSize, UnicornLibrary.UC_PROT_ALL, region.memory().address());
        engine.protect(base, mappedSize, UnicornLibrary.UC_PROT_READ | UnicornLibrary.UC_PROT_EXEC);
        commandMapped = false;
    }

    private void mapCommand() {
        engine.mapMmio(base, mappedSize, readCallback, null);
        commandMapped = true;
    }

    private void remap(boolean toCommand) {
        engine.unmap(base, mappedSize);
        if (toCommand) {
            mapCommand();
        } else {
            mapArray();
        }
        remaps++;
        LOG.debug("{} at 0x{} now mapped for {} mode", region.name(), Long.toHexString(base),
                toCommand ? "command" : "array");
    }

    /** A guest store reported by the write-protect hook. */
    void write(long address, int size, long value) {
        if (echoRemaining > 0 && size == 1 && address == echoNext) {
            echoNext++;
            echoRemaining--;
            return;
        }
        echoRemaining = 0;
        long offset = address - base;
        if (Long.compareUnsigned(offset, region.size()) >= 0 || offset > region.size() - size) {
            faults.accessPastEnd(address, size, dev.virtflash.memory.MemoryAccessException.Kind.WRITE,
                    region.name());
            return;
        }
        long masked = size == 8 ? value : value & ((1L << (size * 8)) - 1);
        if (size > 1 && (address & (size - 1)) != 0) {
            echoNext = address;
            echoRemaining = size;
        }
        LOG.trace("{} write +0x{}/{} = 0x{}", region.name(), Long.toHexString(offset), size,
                Long.toHexString(masked));
        region.write(offset, size, masked);
    }

    private long commandRead(long offset, int size) {
        try {
            if (offset > region.size() - size) {
                faults.accessPastEnd(base + offset, size, dev.virtflash.memory.MemoryAccessException.Kind.READ,
                        region.name());
                return 0;
            }
            long v = region.read(offset, size);
            LOG.trace("{} read +0x{}/{} = 0x{}", region.name(), Long.toHexString(offset), size,
                    Long.toHexString(v));
            return v;
        } catch (Throwable t) {
            faults.hostError(region.name() + " read at offset 0x" + Long.toHexString(offset) + " failed: " + t, t);
            return 0;
        }
    }

    /**
     * The device entered or left array mode.
     *
     * @param running whether the guest is executing (we are inside a hook on the CPU thread)
     * @return whether a remap was deferred to the next block boundary (the caller requests a precise stop)
     */
    boolean romdChanged(boolean romd, boolean running) {
        boolean wantCommand = !romd;
        if (wantCommand == commandMapped) {
            remapPending = false;
            return false;
        }
        if (wantCommand || !running) {
            remapPending = false;
            remap(wantCommand);
            return false;
        }
        remapPending = true;
        return true;
    }

    /** Called by the run loop between {@code uc_emu_start} calls. */
    void remapIfPending() {
        if (remapPending) {
            remapPending = false;
            boolean wantCommand = !region.romd();
            if (wantCommand != commandMapped) {
                remap(wantCommand);
            }
        }
    }

    /** The device changed {@code [offset, offset + length)} of its memory: drop code translated from it. */
    void contentChanged(long offset, long length) {
        if (!commandMapped) {
            engine.removeTranslations(base + offset, base + offset + length);
        }
        // In command mode nothing is cached: leaving array mode unmapped the RAM view, which dropped every block
        // translated from it, and blocks fetched through the read callback are never cached.
    }

    /** Where faults found by this mapping go. */
    interface Faults {
        void accessPastEnd(long address, int size, dev.virtflash.memory.MemoryAccessException.Kind kind,
                           String region);

        void hostError(String message, Throwable cause);
    }
}
