package dev.virtflash.memory;

/**
 * A named piece of guest physical memory, placed by a board into an {@link AddressSpace}. A region knows its size,
 * never its address.
 */
public sealed interface MemoryRegion permits RamRegion, RomDeviceRegion, MmioRegion {

    /** A short name for maps and messages, like QEMU's region names ({@code virt.flash0}). */
    String name();

    /** The size in bytes, {@code > 0}. */
    long size();
}
