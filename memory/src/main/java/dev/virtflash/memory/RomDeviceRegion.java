package dev.virtflash.memory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * QEMU's ROM-device idea: while {@link #romd()} is true, reads and instruction fetches are served from a
 * {@link HostMemory} as if it were RAM; otherwise reads go to the handler. Writes <em>always</em> go to the handler.
 *
 * <p>The device that owns the region flips {@code romd} with {@link #setRomd(boolean)} on every transition into or
 * out of its array mode, and reports host-side changes to the memory with {@link #contentChanged(long, long)}.
 * Listeners (the address space, and through it the CPU binding) hear both: a CPU with a fast RAM path must switch
 * it, and must drop code translated from changed bytes.
 */
public final class RomDeviceRegion implements MemoryRegion {

    /** Hears the state changes of one region. Called on the thread of the access that caused them. */
    public interface Listener {
        /** The region entered ({@code true}) or left ({@code false}) array mode. */
        void romdChanged(RomDeviceRegion region, boolean romd);

        /** The device changed {@code [offset, offset + length)} of the memory behind the guest's back. */
        void contentChanged(RomDeviceRegion region, long offset, long length);
    }

    private final String name;
    private final HostMemory memory;
    private final MmioHandler handler;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean romd = true;

    public RomDeviceRegion(String name, HostMemory memory, MmioHandler handler) {
        this.name = Objects.requireNonNull(name, "name");
        this.memory = Objects.requireNonNull(memory, "memory");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return memory.size();
    }

    /** The bytes served while in array mode. */
    public HostMemory memory() {
        return memory;
    }

    /** Receives every write, and the reads made while not in array mode. */
    public MmioHandler handler() {
        return handler;
    }

    /** Whether reads are served from {@link #memory()} (array mode). Starts true. */
    public boolean romd() {
        return romd;
    }

    /** Enters or leaves array mode; listeners hear only real changes. */
    public void setRomd(boolean romd) {
        if (this.romd == romd) {
            return;
        }
        this.romd = romd;
        for (Listener l : listeners) {
            l.romdChanged(this, romd);
        }
    }

    /** Tells listeners that the device changed {@code [offset, offset + length)} of the memory. */
    public void contentChanged(long offset, long length) {
        if (offset < 0 || length <= 0 || offset > size() - length) {
            throw new IllegalArgumentException(String.format(
                    "region '%s': changed range offset 0x%x length 0x%x is outside its 0x%x bytes",
                    name, offset, length, size()));
        }
        for (Listener l : listeners) {
            l.contentChanged(this, offset, length);
        }
    }

    /** A read as the guest sees it: from memory in array mode, else from the handler. */
    public long read(long offset, int size) {
        return romd ? memory.load(offset, size) : handler.read(offset, size);
    }

    /** A write as the guest makes it: always to the handler. */
    public void write(long offset, int size, long value) {
        handler.write(offset, size, value);
    }

    /** The writes the device lets a CPU post now ({@link MmioHandler#postedWrites}); null in array mode. */
    public PostedWrites postedWrites() {
        return romd ? null : handler.postedWrites();
    }

    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    @Override
    public String toString() {
        return "RomDeviceRegion[" + name + ", 0x" + Long.toHexString(size()) + ", romd=" + romd + "]";
    }
}
