package dev.virtflash.memory;

import java.util.Objects;

/** A device region: every read and write goes to a {@link MmioHandler}. */
public record MmioRegion(String name, long size, MmioHandler handler) implements MemoryRegion {

    public MmioRegion {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        if (size <= 0) {
            throw new IllegalArgumentException("MMIO region '" + name + "' has size " + size + ", expected > 0");
        }
    }
}
