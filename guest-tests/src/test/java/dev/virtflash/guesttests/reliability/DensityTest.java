package dev.virtflash.guesttests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.app.reliability.Density;
import dev.virtflash.memory.NativeMemory;
import dev.virtflash.virt.cpu.UnicornCpu;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sixteen boards at once (issue 18, acceptance 4, 5 and 6): 16 boards with their own two 64 MiB banks (the payload
 * image read-only and shared by all, flash1 each its own) run the default payload on 16 threads at once, at the
 * default translation buffer.
 * <ul>
 *   <li>In this JVM (the buffer size is a builder property: no child JVM is needed): every board passes, each board
 *   beyond the first adds at most 8 MiB of RSS, and closing them leaves no new address space behind.</li>
 *   <li>In a JVM of its own with {@code ./virt}'s options and one malloc arena (this one's heap moves RSS by tens of
 *   MiB on its own, and its threads have their arenas already): closing the boards gives back all but 10 % of what the process held after a warm-up board (run and closed:
 *   Unicorn's code pages and the binding's classes and JIT code are loaded once per process, whatever the number of
 *   boards).</li>
 * </ul>
 */
class DensityTest {

    private static final long MIB = 1 << 20;
    private static final Pattern FIGURES = Pattern.compile("rssWarm=(\\d+) .* rssAfterClose=(\\d+) perBoard=(-?\\d+) "
            + "flashPerBoard=\\d+ failed=(\\d+)");

    @TempDir
    Path dir;

    @Test
    void sixteenBoardsInThisJvmCostAtMostEightMiBEachAndUnmapEverything() throws Exception {
        NativeMemory.limitMallocArenas(Density.RIG_MALLOC_ARENAS); // as the Density tool's main: this JVM is the rig
        Density.Result r = Density.measure(16, dir, UnicornCpu.DEFAULT_TRANSLATION_BUFFER_MIB);
        Density.printResult(r, System.out);
        assertEquals(List.of(), r.failures(), r.line());
        assertTrue(r.perBoardBeyondFirst() <= 8 * MIB, "acceptance 4: at most 8 MiB per board beyond the first: "
                + r.line());
        assertTrue(r.flashResidentPerBoard() <= MIB, "flash per board (flash1's erased block, the shared payload "
                + "counted with each board): " + r.line());
        assertEquals(0, r.boardMappingsAfterClose(), "closed boards leave no RAM, bank or translation buffer mapped: "
                + r.line());
    }

    @Test
    void closingSixteenBoardsGivesTheirMemoryBack() throws Exception {
        try (ChildJvm density = ChildJvm.start(ChildJvm.MEASURING_JVM_OPTIONS, Map.of("MALLOC_ARENA_MAX", "1"),
                "dev.virtflash.app.reliability.Density", List.of("--boards", "16", "--dir", dir.toString()), dir,
                "density")) {
            int rc = density.waitFor(300);
            String out = density.output();
            System.out.print(out);
            assertEquals(0, rc, out + density.stderr());
            Matcher m = FIGURES.matcher(out);
            assertTrue(m.find(), out);
            long warm = Long.parseLong(m.group(1));
            long after = Long.parseLong(m.group(2));
            assertEquals("0", m.group(4), out);
            assertTrue(Long.parseLong(m.group(3)) <= 8 * MIB, "at most 8 MiB per board beyond the first: " + out);
            assertTrue(after <= warm * 1.10, String.format("acceptance 5: RSS after closing %d bytes, %+.1f %% over "
                    + "the warm-up's %d, expected at most +10 %%", after, 100.0 * after / warm - 100, warm));
        }
    }
}
