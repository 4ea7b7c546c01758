package dev.virtflash.memory;

import java.util.Objects;

/**
 * Plain RAM: reads, writes and instruction fetches go straight to a {@link HostMemory}. The region does not own the
 * memory; whoever created the memory closes it.
 */
public record RamRegion(String name, HostMemory memory) implements MemoryRegion {

    public RamRegion {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(memory, "memory");
    }

    @Override
    public long size() {
        return memory.size();
    }
}
