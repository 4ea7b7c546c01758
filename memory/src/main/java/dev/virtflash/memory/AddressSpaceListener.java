package dev.virtflash.memory;

/**
 * Hears what an {@link AddressSpace} holds and how its ROM devices change. A CPU binding is the typical listener: it
 * mirrors the map, switches a ROM device between its fast path and callbacks, and drops stale translated code.
 */
public interface AddressSpaceListener {

    /** {@code region} is placed at {@code base}. Called once per region, in address order, when the listener is added. */
    void regionMapped(GuestAddress base, MemoryRegion region);

    /** The ROM device at {@code base} entered ({@code true}) or left array mode. */
    default void romdChanged(GuestAddress base, RomDeviceRegion region, boolean romd) {
    }

    /** The device behind the ROM device at {@code base} changed {@code [offset, offset + length)} of its memory. */
    default void contentChanged(GuestAddress base, RomDeviceRegion region, long offset, long length) {
    }
}
