package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every scenario payload that needs only a blank flash1, on every runner: the payload passes all its checks and
 * exits 0, every scenario reports {@code pass} on its own, and each documented difference is named by the note the
 * runner is documented to print.
 */
@ExtendWith(GuestSuite.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScenarioPayloadTest {

    private final GuestRuns runs;

    ScenarioPayloadTest(GuestRuns runs) {
        this.runs = runs;
    }

    Stream<Arguments> payloads() {
        return runs.runners().stream().flatMap(r -> PayloadCatalog.BLANK_FLASH1.stream()
                .map(e -> Arguments.of(r, e.payload())));
    }

    Stream<Arguments> scenarios() {
        return runs.runners().stream().flatMap(r -> PayloadCatalog.BLANK_FLASH1.stream()
                .flatMap(e -> e.scenarios().stream().map(s -> Arguments.of(r, e.payload(), s))));
    }

    Stream<Arguments> notes() {
        return runs.runners().stream().flatMap(r -> PayloadCatalog.BLANK_FLASH1.stream()
                .flatMap(e -> e.notes().stream().map(n -> Arguments.of(r, e.payload(), n))));
    }

    private static PayloadCatalog.Entry entry(String payload) {
        return PayloadCatalog.BLANK_FLASH1.stream().filter(e -> e.payload().equals(payload)).findFirst()
                .orElseThrow();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("payloads")
    void payloadPassesEveryCheckAndExitsZero(PayloadRunner runner, String payload) throws Exception {
        RunResult r = runs.blank(runner, payload);
        ScenarioReport report = ScenarioReport.parse(r);
        assertFalse(r.timedOut(), r::describe);
        assertEquals(List.of(), report.failures(), r::describe);
        assertEquals(entry(payload).scenarios(), report.scenarios(), "scenarios reported, in order");
        assertTrue(report.summary().isPresent(), () -> "no summary line; " + r.describe());
        ScenarioReport.Summary s = report.summary().get();
        assertEquals(entry(payload).scenarios().size(), s.scenarios(), "scenario count in the summary");
        assertTrue(s.checks() >= 2 * s.scenarios(), () -> "too few checks: " + s);
        assertEquals(0, s.failed(), r::describe);
        assertEquals(0, r.exitCode(), r::describe);
        assertEquals(entry(payload).notes(), List.copyOf(report.notes().keySet()), "note lines printed");
    }

    @ParameterizedTest(name = "{0}: {1} / {2}")
    @MethodSource("scenarios")
    void scenarioPasses(PayloadRunner runner, String payload, String scenario) throws Exception {
        RunResult r = runs.blank(runner, payload);
        ScenarioReport report = ScenarioReport.parse(r);
        assertEquals(List.of(), report.failures(scenario), r::describe);
        assertEquals(Optional.of("pass"), report.result(scenario), r::describe);
    }

    @ParameterizedTest(name = "{0}: {1} note {2}")
    @MethodSource("notes")
    void documentedDifferenceIsNamed(PayloadRunner runner, String payload, String noteKey) throws Exception {
        KnownDifference difference = KnownDifference.owning(noteKey);
        boolean present = runner.knownDifferences().contains(difference);
        RunResult r = runs.blank(runner, payload);
        assertTrue(r.lines().contains(difference.noteLine(noteKey, present)),
                () -> runner.name() + (present ? " is documented to show " : " is documented not to show ")
                        + difference + "; expected the line '" + difference.noteLine(noteKey, present) + "'\n"
                        + r.describe());
    }
}
