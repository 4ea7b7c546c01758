package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The differential suite: every payload booted on QEMU (the oracle) and on our board gives the same exit code and the
 * same console, line for line, except for the note lines of the documented differences ({@link Differential}); and
 * both boards leave the same bytes in both flash images, except where a documented difference changes what is
 * programmed. Fuzz, whose hashes depend on how programming combines with old data, is compared on our board with
 * QEMU 7.2's flash semantics ({@link PayloadCatalog#CONSOLE_DEPENDS_ON_FLASH_SEMANTICS}).
 */
@ExtendWith(GuestSuite.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DifferentialTest {

    private final GuestRuns runs;

    @TempDir
    Path dir;

    DifferentialTest(GuestRuns runs) {
        this.runs = runs;
    }

    /** Every payload that runs on a blank flash1, the default payload included. */
    Stream<String> blankPayloads() {
        return Stream.concat(Stream.of("default"),
                PayloadCatalog.BLANK_FLASH1.stream().map(PayloadCatalog.Entry::payload));
    }

    /** The blank-flash1 payloads whose documented differences do not change what ends up in flash. */
    Stream<String> sameImagePayloads() {
        return blankPayloads().filter(p -> !PayloadCatalog.changesFlashContents(p, runs.qemu(), runs.board()));
    }

    /** The board a payload is compared with QEMU on: ours, or ours with QEMU 7.2's flash semantics for fuzz. */
    private PayloadRunner boardFor(String payload) {
        return PayloadCatalog.CONSOLE_DEPENDS_ON_FLASH_SEMANTICS.contains(payload) ? runs.boardAsQemu72() : runs.board();
    }

    private void assertSame(RunResult onQemu, RunResult onBoard) {
        assertSame(runs.qemu(), onQemu, runs.board(), onBoard);
    }

    private static void assertSame(PayloadRunner a, RunResult ra, PayloadRunner b, RunResult rb) {
        List<String> mismatches = Differential.mismatches(a, ra, b, rb);
        assertEquals(List.of(), mismatches, () -> Differential.explain(mismatches, a, ra, b, rb));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blankPayloads")
    void sameConsoleAndExitCode(String payload) throws Exception {
        RunResult q = runs.blank(runs.qemu(), payload);
        RunResult b = runs.blank(boardFor(payload), payload);
        assertFalse(q.timedOut(), q::describe);
        assertFalse(b.timedOut(), b::describe);
        assertSame(runs.qemu(), q, boardFor(payload), b);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sameImagePayloads")
    void sameBytesInBothBanks(String payload) throws Exception {
        GuestRuns.BlankRun q = runs.blankRun(runs.qemu(), payload);
        GuestRuns.BlankRun b = runs.blankRun(boardFor(payload), payload);
        assertEquals(-1, FlashImages.firstDifference(q.flash0(), b.flash0()),
                () -> payload + ": flash0 images differ at this offset");
        assertEquals(-1, FlashImages.firstDifference(q.flash1(), b.flash1()),
                () -> payload + ": flash1 images differ at this offset");
    }

    /** A bank with no drive is zero-filled RAM, writable: every payload behaves as on a blank image. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("blankPayloads")
    void flash1WithoutADrive(String payload) throws Exception {
        RunResult q = runs.qemu().run(RunSpec.of(payload).withoutFlash1());
        RunResult b = boardFor(payload).run(RunSpec.of(payload).withoutFlash1());
        assertFalse(q.timedOut(), q::describe);
        assertSame(runs.qemu(), q, boardFor(payload), b);
        assertSame(runs.qemu(), runs.blank(runs.qemu(), payload), runs.qemu(), q);
    }

    @Test
    void readOnlyFlash1() throws Exception {
        RunResult[] r = new RunResult[2];
        for (int i = 0; i < 2; i++) {
            Path image = ReadOnlyTest.patternImage(dir.resolve("ro-" + i + ".img"));
            r[i] = runs.runners().get(i).run(RunSpec.of("readonly").withFlash1(image, ImageFormat.RAW).readOnly());
        }
        assertSame(r[0], r[1]);
    }

    @Test
    void defaultPayloadOnAReadOnlyFlash1() throws Exception {
        RunResult[] r = new RunResult[2];
        for (int i = 0; i < 2; i++) {
            Path image = FlashImages.blankRaw(dir.resolve("default-ro-" + i + ".img"));
            r[i] = runs.runners().get(i).run(RunSpec.of("default").withFlash1(image, ImageFormat.RAW).readOnly());
        }
        assertEquals(1, r[0].exitCode(), r[0]::describe);
        assertSame(r[0], r[1]);
    }

    /** Image formats both boards attach. */
    Stream<ImageFormat> sharedFormats() {
        return Stream.of(ImageFormat.values()).filter(f -> runs.qemu().imageFormats().contains(f)
                && runs.board().imageFormats().contains(f));
    }

    /** persist-write ends with PSCI SYSTEM_OFF, so QEMU keeps its qcow2 writes too. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sharedFormats")
    void persistenceAcrossBootsStageByStage(ImageFormat format) throws Exception {
        List<String> stages = List.of("persist-check", "persist-write", "persist-check");
        Path[] images = new Path[2];
        for (int i = 0; i < 2; i++) {
            Path file = dir.resolve("persist-" + i + "." + format.option());
            images[i] = format == ImageFormat.RAW ? FlashImages.blankRaw(file) : FlashImages.blankQcow2(file);
        }
        for (String stage : stages) {
            RunResult q = runs.qemu().run(RunSpec.of(stage).withFlash1(images[0], format));
            RunResult b = runs.board().run(RunSpec.of(stage).withFlash1(images[1], format));
            assertSame(q, b);
        }
        Path[] raw = images;
        if (format == ImageFormat.QCOW2) {
            raw = new Path[] {FlashImages.qcow2ToRaw(images[0], dir.resolve("persist-0.raw")),
                    FlashImages.qcow2ToRaw(images[1], dir.resolve("persist-1.raw"))};
        }
        assertEquals(-1, FlashImages.firstDifference(raw[0], raw[1]), "flash1 after the three boots");
    }

    @Test
    void crashReportsTheSameException() throws Exception {
        RunResult q = runs.qemu().run(RunSpec.of("crash"));
        RunResult b = runs.board().run(RunSpec.of("crash"));
        assertEquals(2, q.exitCode(), q::describe);
        assertSame(q, b);
    }
}
