package dev.virtflash.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.ProcessMappings.Mapping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessMappingsTest {

    private static final long MiB = 1 << 20;

    @Test
    void countsTheMappingsAndReadsTheKernelsLimit() throws Exception {
        int counted = ProcessMappings.count();
        int sampled = ProcessMappings.sample().size();
        assertTrue(Math.abs(counted - sampled) <= 8, counted + " lines counted, " + sampled + " parsed");
        String limit = Files.readAllLines(Path.of("/proc/sys/vm/max_map_count")).get(0);
        assertEquals(Integer.parseInt(limit.strip()), ProcessMappings.limit());
    }

    @Test
    void anOpenMemoryIsNewAddressSpaceAndAClosedOneIsNot() {
        List<Mapping> before = ProcessMappings.sample();
        List<Mapping> open;
        try (HostMemory m = HostMemory.allocate("flash", 64 * MiB)) {
            open = ProcessMappings.sample();
        }
        List<Mapping> after = ProcessMappings.sample();
        assertTrue(ProcessMappings.newBytes(before, open) >= 64 * MiB, () -> "new: "
                + ProcessMappings.newSince(before, open));
        assertTrue(ProcessMappings.newBytes(before, after) < 64 * MiB, () -> "new after close: "
                + ProcessMappings.newSince(before, after));
    }

    @Test
    void rangesCommittedInsideAnEarlierReservationAreNotNew() {
        List<Mapping> before = List.of(map(0x600000000L, 0x700000000L, "---p"));
        List<Mapping> after = List.of(map(0x600000000L, 0x640000000L, "rw-p"), map(0x640000000L, 0x700000000L, "---p"));
        assertEquals(List.of(), ProcessMappings.newSince(before, after));
    }

    @Test
    void aMallocArenaIsLeftOutButAnAlignedMappingOfAnotherSizeIsNot() {
        long arena = 0x7f0004000000L;
        List<Mapping> after = List.of(map(arena, arena + 0x296000, "rw-p"),
                map(arena + 0x296000, arena + ProcessMappings.MALLOC_HEAP_MAX, "---p"),
                map(0x7f0010000000L, 0x7f0010000000L + 128 * MiB, "rw-p"));
        assertEquals(List.of(after.get(2)), ProcessMappings.newSince(List.of(), after));
    }

    @Test
    void aLineOfMapsParses() {
        Mapping m = Mapping.parse("7f6d05c1c000-7f6d05c1d000 r-xp 00000000 fe:00 2146605    /tmp/ffi (deleted)");
        assertEquals(0x7f6d05c1c000L, m.start());
        assertEquals(4096, m.size());
        assertEquals("r-xp", m.perms());
        assertEquals("/tmp/ffi (deleted)", m.path());
        assertEquals("", Mapping.parse("687400000-6a7000000 rw-p 00000000 00:00 0 ").path());
    }

    private static Mapping map(long start, long end, String perms) {
        return new Mapping(start, end, perms, "");
    }
}
