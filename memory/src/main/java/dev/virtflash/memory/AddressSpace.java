package dev.virtflash.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A guest physical address space: a flat, overlap-free, immutable map of {@link MemoryRegion}s built once with a
 * {@link Builder}. Accesses are routed to the region that holds them; an access that hits no region, or runs past
 * the end of its region, raises {@link MemoryAccessException}.
 *
 * <p>Listeners hear every mapping when they are added, and then every romd change and content change of the ROM
 * devices in the space, with the device's base address. The space does not own its regions.
 */
public final class AddressSpace {

    /** One region at one place. */
    public record Mapping(GuestAddress base, MemoryRegion region) {
        /** The addresses the region covers. */
        public AddressRange range() {
            return new AddressRange(base, region.size());
        }
    }

    private final String name;
    private final List<Mapping> mappings;
    private final long[] bases;
    private final List<AddressSpaceListener> listeners = new CopyOnWriteArrayList<>();

    private AddressSpace(String name, List<Mapping> sorted) {
        this.name = name;
        this.mappings = List.copyOf(sorted);
        this.bases = sorted.stream().mapToLong(m -> m.base().value()).toArray();
        for (Mapping m : mappings) {
            if (m.region() instanceof RomDeviceRegion rom) {
                rom.addListener(new RomDeviceRegion.Listener() {
                    @Override
                    public void romdChanged(RomDeviceRegion region, boolean romd) {
                        for (AddressSpaceListener l : listeners) {
                            l.romdChanged(m.base(), region, romd);
                        }
                    }

                    @Override
                    public void contentChanged(RomDeviceRegion region, long offset, long length) {
                        for (AddressSpaceListener l : listeners) {
                            l.contentChanged(m.base(), region, offset, length);
                        }
                    }
                });
            }
        }
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    /** Every mapping, in address order. */
    public List<Mapping> mappings() {
        return mappings;
    }

    /** The mapping that holds {@code address}, or {@code null}. */
    public Mapping find(GuestAddress address) {
        int lo = 0;
        int hi = bases.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(bases[mid], address.value()) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (hi < 0) {
            return null;
        }
        Mapping m = mappings.get(hi);
        return m.range().contains(address) ? m : null;
    }

    /** Adds a listener and tells it every mapping, in address order. */
    public void addListener(AddressSpaceListener listener) {
        Objects.requireNonNull(listener, "listener");
        for (Mapping m : mappings) {
            listener.regionMapped(m.base(), m.region());
        }
        listeners.add(listener);
    }

    public void removeListener(AddressSpaceListener listener) {
        listeners.remove(listener);
    }

    /** A guest load of {@code size} (1, 2, 4 or 8) bytes; little-endian, zero-extended. */
    public long read(GuestAddress address, int size) {
        Mapping m = locate(address, size, MemoryAccessException.Kind.READ);
        long off = address.value() - m.base().value();
        MemoryRegion r = m.region();
        if (r instanceof RamRegion ram) {
            return ram.memory().load(off, size);
        } else if (r instanceof RomDeviceRegion rom) {
            return rom.read(off, size);
        }
        return ((MmioRegion) r).handler().read(off, size);
    }

    /** A guest store of the low {@code size} (1, 2, 4 or 8) bytes of {@code value}. */
    public void write(GuestAddress address, int size, long value) {
        Mapping m = locate(address, size, MemoryAccessException.Kind.WRITE);
        long off = address.value() - m.base().value();
        MemoryRegion r = m.region();
        if (r instanceof RamRegion ram) {
            ram.memory().store(off, size, value);
        } else if (r instanceof RomDeviceRegion rom) {
            rom.write(off, size, value);
        } else {
            ((MmioRegion) r).handler().write(off, size, value);
        }
    }

    /**
     * Reads {@code dst.length} bytes from {@code address}, across regions if needed. Memory-backed parts are copied;
     * device parts are read a byte at a time.
     */
    public void read(GuestAddress address, byte[] dst) {
        long done = 0;
        while (done < dst.length) {
            GuestAddress at = address.plus(done);
            Mapping m = locate(at, 1, MemoryAccessException.Kind.READ);
            long off = at.value() - m.base().value();
            int n = (int) Math.min(dst.length - done, m.region().size() - off);
            HostMemory direct = directMemory(m.region());
            if (direct != null) {
                direct.read(off, dst, (int) done, n);
            } else {
                for (int i = 0; i < n; i++) {
                    dst[(int) done + i] = (byte) read(at.plus(i), 1);
                }
            }
            done += n;
        }
    }

    /** Writes {@code src} at {@code address}, across regions if needed; device parts get one byte at a time. */
    public void write(GuestAddress address, byte[] src) {
        long done = 0;
        while (done < src.length) {
            GuestAddress at = address.plus(done);
            Mapping m = locate(at, 1, MemoryAccessException.Kind.WRITE);
            long off = at.value() - m.base().value();
            int n = (int) Math.min(src.length - done, m.region().size() - off);
            if (m.region() instanceof RamRegion ram) {
                ram.memory().write(off, src, (int) done, n);
            } else {
                for (int i = 0; i < n; i++) {
                    write(at.plus(i), 1, src[(int) done + i]);
                }
            }
            done += n;
        }
    }

    /** A map in the shape of QEMU's {@code info mtree}. */
    public String describe() {
        StringBuilder sb = new StringBuilder("address-space: ").append(name).append('\n');
        for (Mapping m : mappings) {
            MemoryRegion r = m.region();
            String kind = r instanceof RamRegion ? "ram"
                    : r instanceof RomDeviceRegion rom ? (rom.romd() ? "romd" : "romd, in command mode") : "i/o";
            sb.append(String.format("  %016x-%016x (prio 0, %s): %s%n",
                    m.base().value(), m.range().last().value(), kind, m.region().name()));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "AddressSpace[" + name + ", " + mappings.size() + " regions]";
    }

    private static HostMemory directMemory(MemoryRegion region) {
        if (region instanceof RamRegion ram) {
            return ram.memory();
        }
        if (region instanceof RomDeviceRegion rom && rom.romd()) {
            return rom.memory();
        }
        return null;
    }

    private Mapping locate(GuestAddress address, int size, MemoryAccessException.Kind kind) {
        if (!MmioHandler.isAccessSize(size)) {
            throw new IllegalArgumentException("access size " + size + ", expected 1, 2, 4 or 8");
        }
        Mapping m = find(address);
        if (m == null) {
            throw new MemoryAccessException(address, size, kind, "no region is mapped there");
        }
        if (!m.range().contains(address, size)) {
            throw new MemoryAccessException(address, size, kind, "runs past the end of " + m.region().name()
                    + " " + m.range());
        }
        return m;
    }

    /** Collects regions and places; {@link #build()} freezes them. */
    public static final class Builder {
        private final String name;
        private final List<Mapping> mappings = new ArrayList<>();

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /**
         * Places {@code region} at {@code base}.
         *
         * @throws IllegalArgumentException if it would wrap past 2^64-1 or overlap a region already placed; the
         *                                  message names both regions and their ranges
         */
        public Builder map(GuestAddress base, MemoryRegion region) {
            Objects.requireNonNull(region, "region");
            Mapping added = new Mapping(base, region);
            AddressRange range;
            try {
                range = added.range();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("region '" + region.name() + "': " + e.getMessage(), e);
            }
            for (Mapping m : mappings) {
                if (m.range().overlaps(range)) {
                    throw new IllegalArgumentException(String.format(
                            "region '%s' %s overlaps region '%s' %s in address space '%s'",
                            region.name(), range, m.region().name(), m.range(), name));
                }
            }
            mappings.add(added);
            return this;
        }

        /** Places {@code region} at {@code base}. */
        public Builder map(long base, MemoryRegion region) {
            return map(new GuestAddress(base), region);
        }

        public AddressSpace build() {
            List<Mapping> sorted = new ArrayList<>(mappings);
            sorted.sort(Comparator.comparing(Mapping::base));
            return new AddressSpace(name, sorted);
        }
    }
}
