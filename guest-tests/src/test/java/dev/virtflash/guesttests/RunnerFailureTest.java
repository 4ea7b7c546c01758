package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A payload that crashes, hangs or floods the console ends with a clear result: the runtime's exception report and
 * exit code 2; a timeout with the console tail; a bounded console.
 */
@ExtendWith(GuestSuite.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunnerFailureTest {

    static final Duration SHORT = Duration.ofSeconds(3);
    private static final String DROP_MARKER = " bytes dropped ...]";
    private final GuestRuns runs;

    RunnerFailureTest(GuestRuns runs) {
        this.runs = runs;
    }

    Stream<PayloadRunner> runners() {
        return runs.runners().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runners")
    void crashReportsTheExceptionAndExitsTwo(PayloadRunner runner) throws Exception {
        RunResult r = runner.run(RunSpec.of("crash"));
        assertFalse(r.timedOut(), r::describe);
        assertEquals(2, r.exitCode(), r::describe);
        List<String> lines = r.lines();
        assertEquals(2, lines.size(), r::describe);
        assertEquals("crash: executing udf #0xdead", lines.get(0));
        assertTrue(lines.get(1).matches("exception: synchronous EC=0x00 ESR=0x02000000 ELR=0x[0-9a-f]{16}"),
                r::describe);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runners")
    void hangIsStoppedAtTheTimeout(PayloadRunner runner) throws Exception {
        long start = System.nanoTime();
        RunResult r = runner.run(RunSpec.of("hang").withTimeout(SHORT));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(r.timedOut(), r::describe);
        assertEquals(RunResult.NO_EXIT_CODE, r.exitCode());
        assertEquals(List.of("hang: spinning forever"), r.lines());
        assertTrue(r.describe().startsWith("timed out; console tail:\nhang: spinning forever"), r.describe());
        assertTrue(tookMillis < SHORT.toMillis() + 20_000, "the run was not stopped: " + tookMillis + " ms");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runners")
    void floodIsBoundedAndStopped(PayloadRunner runner) throws Exception {
        RunResult r = runner.run(RunSpec.of("flood").withTimeout(SHORT));
        if (!r.console().contains(DROP_MARKER)) {
            // A loaded machine may print less than the kept head and tail (320 KiB) in the short run: flood longer.
            r = runner.run(RunSpec.of("flood").withTimeout(SHORT.multipliedBy(5)));
        }
        assertTrue(r.timedOut(), r::describe);
        assertTrue(r.console().length() < (1 << 20), "console kept: " + r.console().length() + " chars");
        List<String> lines = r.lines();
        assertEquals("flood: line 0", lines.get(0));
        assertTrue(r.console().contains(DROP_MARKER), "no drop marker in a flood of " + r.console().length() + " chars");
        String lastFull = lines.get(lines.size() - 2);
        assertTrue(lastFull.matches("flood: line \\d+"), lastFull);
    }
}
