package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The readonly payload on flash1 attached read-only: every scenario passes, each runner prints the notes it is
 * documented to print ({@link KnownDifference}), and the image file is unchanged. As a
 * control, the same payload on the same image attached writable fails its erase and program scenarios.
 */
@ExtendWith(GuestSuite.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadOnlyTest {

    private final GuestRuns runs;

    ReadOnlyTest(GuestRuns runs) {
        this.runs = runs;
    }

    Stream<PayloadRunner> runners() {
        return runs.runners().stream();
    }

    /** The image readonly.c expects: pattern_word(0x5EED0001, i) in its first 2048 words. */
    static Path patternImage(Path file) throws Exception {
        FlashImages.blankRaw(file);
        FlashImages.writeWords(file, 0, FlashImages.pattern(0x5EED0001, 2048));
        return file;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runners")
    void readOnlyBankRefusesErasesAndPrograms(PayloadRunner runner, @TempDir Path dir) throws Exception {
        Path image = patternImage(dir.resolve("flash1.img"));
        String before = FlashImages.sha256(image);
        RunResult r = runner.run(RunSpec.of("readonly").withFlash1(image, ImageFormat.RAW).readOnly());
        ScenarioReport report = ScenarioReport.parse(r);
        assertEquals(List.of(), report.failures(), r::describe);
        assertEquals(PayloadCatalog.READ_ONLY.scenarios(), report.scenarios(), r::describe);
        for (String scenario : PayloadCatalog.READ_ONLY.scenarios()) {
            assertEquals(Optional.of("pass"), report.result(scenario), () -> scenario + ": " + r.describe());
        }
        assertEquals(0, r.exitCode(), r::describe);
        for (String key : PayloadCatalog.READ_ONLY.notes()) {
            KnownDifference d = KnownDifference.owning(key);
            String line = d.noteLine(key, runner.knownDifferences().contains(d));
            assertTrue(r.lines().contains(line), () -> "expected '" + line + "'\n" + r.describe());
        }
        assertEquals(before, FlashImages.sha256(image), "a read-only image must not change");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runners")
    void controlOnAWritableBankTheChecksFail(PayloadRunner runner, @TempDir Path dir) throws Exception {
        Path image = patternImage(dir.resolve("flash1.img"));
        String before = FlashImages.sha256(image);
        RunResult r = runner.run(RunSpec.of("readonly").withFlash1(image, ImageFormat.RAW));
        ScenarioReport report = ScenarioReport.parse(r);
        assertEquals(1, r.exitCode(), r::describe);
        assertEquals(Optional.of("pass"), report.result("readonly-image-visible"), r::describe);
        assertTrue(report.result("readonly-erase").orElseThrow().startsWith("FAIL"), r::describe);
        assertTrue(report.result("readonly-word-program").orElseThrow().startsWith("FAIL"), r::describe);
        assertNotEquals(before, FlashImages.sha256(image), "a writable image is changed by the erase");
    }
}
