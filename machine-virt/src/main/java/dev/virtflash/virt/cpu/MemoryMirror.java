package dev.virtflash.virt.cpu;

import static dev.virtflash.virt.cpu.UnicornLibrary.UC_PROT_ALL;

import dev.virtflash.memory.AddressSpace;
import dev.virtflash.memory.GuestAddress;
import dev.virtflash.memory.MemoryAccessException;
import dev.virtflash.memory.MemoryRegion;
import dev.virtflash.memory.MmioRegion;
import dev.virtflash.memory.RamRegion;
import dev.virtflash.memory.RomDeviceRegion;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CPU's mirror of its address space: maps each region into the engine as the address space announces it (RAM
 * from its {@code HostMemory} pointer, ROM devices as {@link RomDeviceMapping}s, MMIO through read/write callbacks to
 * the region's handler), follows the ROM devices' mode and content changes, and answers which mapping or ROM device
 * holds an address. Owns the list of mapped regions, the ROM device mappings and the {@link AddressTranslation} that
 * walks the guest's page tables over them. Thread rules are the CPU's ({@link UnicornCpu} checks them).
 */
final class MemoryMirror {

    /** Logs under the CPU's name, as mappings always have. */
    private static final Logger LOG = LoggerFactory.getLogger(UnicornCpu.class);

    private final UnicornEngine engine;
    private final RomDeviceMapping.Faults faults;
    private final PendingExit exits;
    private final PostedFlashWrites posted;
    private final List<RomDeviceMapping> roms = new ArrayList<>();
    private final List<AddressSpace.Mapping> mapped = new ArrayList<>();
    private final AddressTranslation translation;
    private final long pageSize;

    /**
     * @param faults where accesses past the end of a device and host errors of ROM devices and MMIO go
     * @param exits  where host errors of MMIO handlers end the run
     * @param posted the stores to ROM devices held back for them (delivered before a ROM device is read)
     */
    MemoryMirror(UnicornEngine engine, RomDeviceMapping.Faults faults, PendingExit exits, PostedFlashWrites posted) {
        this.engine = engine;
        this.faults = faults;
        this.exits = exits;
        this.posted = posted;
        this.translation = new AddressTranslation(engine, roms, mapped, faults);
        this.pageSize = engine.pageSize();
    }

    /** The translation of the guest's virtual addresses over these mappings. */
    AddressTranslation translation() {
        return translation;
    }

    /** The engine's page size: regions start on a multiple of it. */
    long pageSize() {
        return pageSize;
    }

    /** Maps {@code region} at {@code base} into the engine. */
    void regionMapped(GuestAddress base, MemoryRegion region) {
        long at = base.value();
        if ((at & (pageSize - 1)) != 0) {
            throw new IllegalArgumentException(String.format("region '%s' at %s: the CPU maps whole pages, so a "
                    + "region must start on a %d-byte boundary", region.name(), base, pageSize));
        }
        if (region instanceof RamRegion) {
            RamRegion ram = (RamRegion) region;
            if (ram.memory().tracksWrites()) {
                // the guest writes RAM through the pointer, behind the memory's record of which pages hold data
                throw new IllegalArgumentException("RAM region '" + region.name() + "': its memory must be made by "
                        + "HostMemory.allocateCpuWritable, since the CPU writes it directly");
            }
            engine.mapPointer(at, ram.memory().mappedSize(), UC_PROT_ALL, ram.memory().address());
        } else if (region instanceof RomDeviceRegion) {
            roms.add(new RomDeviceMapping(engine, at, (RomDeviceRegion) region, roms.size(), faults, posted));
        } else {
            mapMmio(at, (MmioRegion) region);
        }
        mapped.add(new AddressSpace.Mapping(base, region));
        LOG.debug("mapped {} at {}", region.name(), base);
    }

    private void mapMmio(long base, MmioRegion region) {
        long size = (region.size() + pageSize - 1) & -pageSize;
        long limit = region.size();
        UnicornLibrary.MmioRead read = (uc, offset, width, userData) -> {
            try {
                if (offset > limit - width) {
                    faults.accessPastEnd(base + offset, width, MemoryAccessException.Kind.READ, region.name());
                    return 0;
                }
                return region.handler().read(offset, width);
            } catch (Throwable t) {
                exits.hostError(region.name() + " read at offset 0x" + Long.toHexString(offset) + " failed: " + t, t);
                return 0;
            }
        };
        UnicornLibrary.MmioWrite write = (uc, offset, width, value, userData) -> {
            try {
                if (offset > limit - width) {
                    faults.accessPastEnd(base + offset, width, MemoryAccessException.Kind.WRITE, region.name());
                    return;
                }
                region.handler().write(offset, width, width == 8 ? value : value & ((1L << (width * 8)) - 1));
            } catch (Throwable t) {
                exits.hostError(region.name() + " write at offset 0x" + Long.toHexString(offset) + " failed: " + t, t);
            }
        };
        engine.mapMmio(base, size, read, write);
    }

    /**
     * The ROM device at {@code base} switched mode; {@code running} says whether the CPU runs (on this thread).
     * Returns whether the switch waits for a precise stop, which the caller then requests.
     */
    boolean romdChanged(GuestAddress base, boolean romd, boolean running) {
        RomDeviceMapping rom = rom(base.value());
        return rom != null && rom.romdChanged(romd, running);
    }

    /** The content of the ROM device at {@code base} changed behind the guest's back. */
    void contentChanged(GuestAddress base, long offset, long length) {
        RomDeviceMapping rom = rom(base.value());
        if (rom != null) {
            rom.contentChanged(offset, length);
        }
    }

    /** Carries out the mode switches of ROM devices that waited for a stop (before the guest runs again). */
    void switchPendingRoms() {
        for (RomDeviceMapping rom : roms) {
            rom.switchIfPending();
        }
    }

    /** The ROM device at guest address {@code address}, or null. */
    RomDeviceMapping rom(long address) {
        return translation.rom(address);
    }

    /** The ROM device one of whose views holds physical address {@code physical}, or null. */
    RomDeviceMapping romView(long physical) {
        for (RomDeviceMapping r : roms) {
            if (r.viewOffset(physical) >= 0) {
                return r;
            }
        }
        return null;
    }

    /** The mapping holding physical address {@code address}, or null. */
    AddressSpace.Mapping mappingAt(long address) {
        for (AddressSpace.Mapping m : mapped) {
            if (Long.compareUnsigned(address - m.base().value(), m.region().size()) < 0) {
                return m;
            }
        }
        return null;
    }

    /** How many regions are mapped. */
    int size() {
        return mapped.size();
    }
}
