package dev.virtflash.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.firmware.PayloadCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17, point 3: 100 default-payload boards built, run and closed in a row in this JVM. */
class InProcessBenchTest {

    /**
     * The bound asserted is the goal with room for the two-core machine shared with other builds (the bench
     * prints the median against the goal itself): it fails if a board costs a JVM start again (about 0.3 s).
     */
    private static final double LOADED_MACHINE_BOUND_MILLIS = 4 * InProcessBench.TARGET_MILLIS;

    @TempDir
    Path tmp;

    @Test
    void hundredDefaultPayloadBoardsInOneJvm() throws Exception {
        byte[] payload = PayloadCatalog.firmware().load("default").orElseThrow();
        InProcessBench.Result r = InProcessBench.run(payload, 100, tmp);
        assertNull(r.failure());
        assertEquals(100, r.millis().length);
        System.out.printf(Locale.ROOT, "in-process: 100 boards, median %.1f ms, first %.1f ms%n", r.median(),
                r.first());
        assertTrue(r.median() <= LOADED_MACHINE_BOUND_MILLIS, "median " + r.median() + " ms");
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(0, left.count(), "every board's images deleted");
        }
    }
}
