package dev.virtflash.guesttests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sixteen boards in one JVM (issue 9, acceptance 3): {@code Density --sweep 2,16 --boards 16} runs, in one child JVM
 * per translation-buffer size, 16 boards with their own two 64 MiB banks running the default payload at the same
 * time. Every board must pass; the RSS per board (beyond the first) is printed for each size, not asserted: it is a
 * measurement (README, "Reliability").
 */
class DensityTest {

    @TempDir
    Path dir;

    @Test
    void sixteenBoardsAtOnceAllPass() throws Exception {
        try (ChildJvm density = ChildJvm.start("dev.virtflash.app.reliability.Density",
                List.of("--sweep", "2,16", "--boards", "16"), dir, "density")) {
            int rc = density.waitFor(300);
            String out = density.output();
            System.out.print(out);
            assertEquals(0, rc, out + density.stderr());
            long rows = out.lines().filter(l -> l.contains(" x 16 boards") && l.endsWith("PASS")).count();
            assertTrue(rows == 2, "both sizes, 16 boards each, all PASS:\n" + out);
        }
    }
}
