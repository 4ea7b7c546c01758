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
        assertEquals("", Mapping.parse("687400000-6a7000000 rw-p 00000000 00:00 0").path());
        assertEquals("[vdso]", Mapping.parse("7ffc1a5f0000-7ffc1a5f2000 r-xp 00000000 00:00 0          [vdso]").path());
        assertEquals("/tmp/a b  c", Mapping.parse("1000-2000 r--s 00001000 fe:00 12 /tmp/a b  c").path(),
                "spaces inside a path are the path's");
        assertEquals(0x1000, Mapping.parse("1000-2000 r--s 00001000 fe:00 12 /tmp/x").start());
    }

    @Test
    void aSampleHoldsEveryMappingOfThisProcessInAddressOrderAsTheKernelListsIt() throws Exception {
        try (HostMemory m = HostMemory.allocate("sampled", 16 * 4096)) {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/maps"));
            List<Mapping> sample = ProcessMappings.sample();
            assertTrue(sample.stream().anyMatch(x -> x.start() <= m.address() && m.address() + 16 * 4096 <= x.end()),
                    "the memory just mapped is in the sample");
            for (int i = 1; i < sample.size(); i++) {
                assertTrue(Long.compareUnsigned(sample.get(i - 1).end(), sample.get(i).start()) <= 0,
                        sample.get(i).toString());
            }
            // The lines of a text reader, split by a regular expression as a reference: the same mappings, give or take
            // what this JVM mapped in between (a few lines), parsed the same way.
            int same = 0;
            for (String line : lines) {
                String[] f = line.trim().split("\\s+", 6);
                String path = f.length > 5 ? f[5] : "";
                if (sample.contains(new Mapping(Long.parseUnsignedLong(f[0].split("-")[0], 16),
                        Long.parseUnsignedLong(f[0].split("-")[1], 16), f[1], path))) {
                    same++;
                }
            }
            assertTrue(same >= lines.size() - 8, same + " of " + lines.size() + " lines found alike in the sample");
        }
    }

    private static Mapping map(long start, long end, String perms) {
        return new Mapping(start, end, perms, "");
    }
}
