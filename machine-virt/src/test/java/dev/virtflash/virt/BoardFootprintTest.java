package dev.virtflash.virt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.ProcessMappings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a board costs before it runs (issue 18): Unicorn's translation buffer is not resident (Unicorn 2.1.1 zeroes
 * all of it at start; the binding gives the zeros back), and the device tree's 1 MiB blob costs RAM only for its
 * contents, not its free space.
 */
class BoardFootprintTest {

    private static final long KIB = 1024;

    @Test
    void aNewBoardHoldsNeitherItsTranslationBufferNorTheTreesFreeSpace() throws Exception {
        List<ProcessMappings.Mapping> before = ProcessMappings.sample();
        try (VirtMachine m = VirtMachine.builder().translationBufferMiB(8).build()) {
            List<ProcessMappings.Mapping> buffers = ProcessMappings.newSince(before, ProcessMappings.sample()).stream()
                    .filter(x -> x.path().isEmpty() && x.perms().startsWith("rwx") && x.size() > (7L << 20))
                    .toList();
            assertEquals(1, buffers.size(), "one new translation buffer: " + buffers);
            long rss = rss(buffers.get(0));
            assertTrue(rss <= 64 * KIB, "the 8 MiB buffer holds " + rss + " bytes resident, expected at most 64 KiB "
                    + "(its prologue)");
            byte[] tree = m.deviceTree();
            assertEquals(VirtDeviceTree.BLOB_SIZE, tree.length, "the guest still sees the whole 1 MiB blob");
            byte[] inRam = new byte[tree.length];
            m.ram().read(VirtDeviceTree.LOAD_ADDRESS - VirtMemoryMap.RAM.base(), inRam, 0, inRam.length);
            assertArrayEquals(tree, inRam);
        }
    }

    /** The {@code Rss} of one mapping, from {@code /proc/self/smaps}. */
    private static long rss(ProcessMappings.Mapping mapping) throws IOException {
        String head = String.format("%x-%x ", mapping.start(), mapping.end());
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.startsWith(head)) {
                inside = true;
            } else if (inside && line.startsWith("Rss:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * KIB;
            }
        }
        throw new AssertionError("no smaps entry for " + mapping);
    }
}
