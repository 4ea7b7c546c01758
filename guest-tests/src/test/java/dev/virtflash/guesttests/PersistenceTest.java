package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Persistence across two boots of the same flash1 image, raw and qcow2: persist-check fails on the blank image,
 * persist-write writes the pattern, persist-check finds it on the next boot, and the host reads it in the file.
 * persist-write ends with PSCI SYSTEM_OFF (a clean shutdown): see
 * {@link KnownDifference#SEMIHOSTING_EXIT_DROPS_QCOW2_WRITES} for why not SYS_EXIT.
 */
@ExtendWith(GuestSuite.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PersistenceTest {

    /** Bank offsets of persist.h (PERSIST_BLOCK - FLASH1_BASE and its parts). */
    private static final long BLOCK = 48L * (256 << 10);
    private static final long WORDS_AT = BLOCK + 0x20000;
    private static final long ERASED = BLOCK + (256 << 10);

    private final GuestRuns runs;

    PersistenceTest(GuestRuns runs) {
        this.runs = runs;
    }

    Stream<Arguments> cases() {
        return Stream.of(ImageFormat.values()).flatMap(f -> runs.runners(f).stream().map(r -> Arguments.of(r, f)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void patternSurvivesAReboot(PayloadRunner runner, ImageFormat format, @TempDir Path dir) throws Exception {
        Path image = format == ImageFormat.RAW ? FlashImages.blankRaw(dir.resolve("flash1.img"))
                : FlashImages.blankQcow2(dir.resolve("flash1.qcow2"));

        RunResult blank = runner.run(RunSpec.of("persist-check").withFlash1(image, format));
        ScenarioReport blankReport = ScenarioReport.parse(blank);
        assertEquals(1, blank.exitCode(), () -> "persist-check must fail on a blank image; " + blank.describe());
        assertEquals(4, blankReport.failures("persist-check").size(), blank::describe);

        RunResult write = runner.run(RunSpec.of("persist-write").withFlash1(image, format));
        assertEquals(0, write.exitCode(), write::describe);
        assertEquals(Optional.of("pass"), ScenarioReport.parse(write).result("persist-write"), write::describe);

        RunResult check = runner.run(RunSpec.of("persist-check").withFlash1(image, format));
        assertEquals(0, check.exitCode(), check::describe);
        assertEquals(Optional.of("pass"), ScenarioReport.parse(check).result("persist-check"), check::describe);

        Path raw = format == ImageFormat.RAW ? image : FlashImages.qcow2ToRaw(image, dir.resolve("flash1.raw"));
        assertArrayEquals(FlashImages.pattern(0xC0FFEE01, 1024), FlashImages.readWords(raw, BLOCK, 1024),
                "buffered window in the image file");
        assertArrayEquals(FlashImages.pattern(0xC0FFEE02, 16), FlashImages.readWords(raw, WORDS_AT, 16),
                "word programs in the image file");
        int[] ff = new int[1024];
        Arrays.fill(ff, -1);
        assertArrayEquals(ff, FlashImages.readWords(raw, ERASED, 1024), "erased block in the image file");
    }
}
