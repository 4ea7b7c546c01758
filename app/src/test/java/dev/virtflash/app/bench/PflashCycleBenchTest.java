package dev.virtflash.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The CFI model harness: every scenario runs and gives a figure (the bench prints them against 20 M/s). */
class PflashCycleBenchTest {

    @Test
    void everyScenarioMeasures() throws Exception {
        List<PflashCycleBench.Figure> figures = PflashCycleBench.run(0.1);
        assertEquals(List.of("array reads (4 bytes)", "status reads (4 bytes)", "CFI reads (8 bytes = 2 cycles)",
                "word program (command, data, status read)", "buffered program (4 KiB window, confirmed)"),
                figures.stream().map(PflashCycleBench.Figure::name).toList());
        for (PflashCycleBench.Figure f : figures) {
            // a broken scenario (an exception, or a loop that makes no cycles) gives no figure at all
            assertTrue(f.cyclesPerSecond() > 1e5, f.toString());
        }
    }
}
