package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 16, acceptance 4: where QEMU 7.2 is wrong against real NOR parts, our board is right and a test shows both.
 * The payloads that tell the two apart run on QEMU, on our board (real NOR, the default) and on our board with
 * {@code -M virt,flash-semantics=qemu-7.2}: the default prints real NOR's notes (byte writes into one word
 * accumulate; after a refused erase on a read-only bank, 0x50 and 0x70, the chip reads ready), QEMU prints its own
 * (only the last byte kept; 0x00 for good, where Linux hangs), and the board with QEMU's semantics matches QEMU bit
 * for bit: the same console, notes included, and the same bytes in both flash images.
 */
@ExtendWith(GuestSuite.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlashSemanticsTest {

    private static final String REAL_NOR_AND = KnownDifference.PROGRAM_ANDS_AS_REAL_NOR.noteValue(true);
    private static final String QEMU_OVERWRITE = KnownDifference.PROGRAM_ANDS_AS_REAL_NOR.noteValue(false);
    private static final String REAL_NOR_READY = KnownDifference.CLEAR_STATUS_KEEPS_READY.noteValue(true);
    private static final String QEMU_NOT_READY = KnownDifference.CLEAR_STATUS_KEEPS_READY.noteValue(false);

    private final GuestRuns runs;

    @TempDir
    Path dir;

    FlashSemanticsTest(GuestRuns runs) {
        this.runs = runs;
    }

    private static void assertSame(PayloadRunner a, RunResult ra, PayloadRunner b, RunResult rb) {
        List<String> mismatches = Differential.mismatches(a, ra, b, rb);
        assertEquals(List.of(), mismatches, () -> Differential.explain(mismatches, a, ra, b, rb));
        assertEquals(ra.console(), rb.console(), "the whole console, notes included");
    }

    private static Map<String, String> notes(String... keysAndValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    private void passesWithNotes(PayloadRunner runner, RunResult r, Map<String, String> expected) {
        ScenarioReport report = ScenarioReport.parse(r);
        assertFalse(r.timedOut(), r::describe);
        assertEquals(List.of(), report.failures(), r::describe);
        assertEquals(0, r.exitCode(), r::describe);
        Map<String, String> seen = new LinkedHashMap<>(report.notes());
        seen.keySet().retainAll(expected.keySet());
        assertEquals(expected, seen, () -> runner.name() + ": " + r.describe());
    }

    private RunResult readOnly(PayloadRunner runner, String name) throws Exception {
        Path image = ReadOnlyTest.patternImage(dir.resolve(name + ".img"));
        return runner.run(RunSpec.of("readonly").withFlash1(image, ImageFormat.RAW).readOnly());
    }

    @Test
    void byteWritesIntoOneWordAccumulateOnlyOnRealNor() throws Exception {
        passesWithNotes(runs.board(), runs.blank(runs.board(), "word-program"),
                notes("program-over-data", REAL_NOR_AND, "program-bytes-accumulate", REAL_NOR_AND));
        passesWithNotes(runs.qemu(), runs.blank(runs.qemu(), "word-program"),
                notes("program-over-data", QEMU_OVERWRITE, "program-bytes-accumulate", QEMU_OVERWRITE));
    }

    @Test
    void readOnlyEraseThenClearStatusLeavesTheChipReadyOnlyOnRealNor() throws Exception {
        passesWithNotes(runs.board(), readOnly(runs.board(), "ro-board"),
                notes("readonly-linux-erase-error", REAL_NOR_READY, "readonly-buffered",
                        KnownDifference.REFUSED_BUFFER_REPORTS_STATUS.noteValue(true)));
        passesWithNotes(runs.qemu(), readOnly(runs.qemu(), "ro-qemu"),
                notes("readonly-linux-erase-error", QEMU_NOT_READY, "readonly-buffered",
                        KnownDifference.REFUSED_BUFFER_REPORTS_STATUS.noteValue(false)));
        passesWithNotes(runs.board(), runs.blank(runs.board(), "status"), notes("status-clear", REAL_NOR_READY));
        passesWithNotes(runs.qemu(), runs.blank(runs.qemu(), "status"), notes("status-clear", QEMU_NOT_READY));
    }

    /** The payloads whose consoles or images differ between QEMU and our default board because of the semantics. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"word-program", "status", "erase", "cfi-query", "modes", "exec-bank1", "fuzz"})
    void theBoardWithQemuSemanticsMatchesQemuBitForBit(String payload) throws Exception {
        GuestRuns.BlankRun q = runs.blankRun(runs.qemu(), payload);
        GuestRuns.BlankRun b = runs.blankRun(runs.boardAsQemu72(), payload);
        Map<String, String> qemuNotes = ScenarioReport.parse(q.result()).notes();
        if (payload.equals("exec-bank1")) {
            // QEMU 7.2's stale translations are not a flash-semantics matter: the board runs the new code
            assertEquals(0, b.result().exitCode(), b.result()::describe);
        } else {
            passesWithNotes(runs.boardAsQemu72(), b.result(), qemuNotes);
            assertSame(runs.qemu(), q.result(), runs.boardAsQemu72(), b.result());
        }
        assertEquals(-1, FlashImages.firstDifference(q.flash0(), b.flash0()), payload + ": flash0 differs here");
        assertEquals(-1, FlashImages.firstDifference(q.flash1(), b.flash1()), payload + ": flash1 differs here");
    }

    @Test
    void readOnlyBankWithQemuSemanticsMatchesQemu() throws Exception {
        RunResult q = readOnly(runs.qemu(), "ro-q");
        RunResult b = readOnly(runs.boardAsQemu72(), "ro-b");
        assertSame(runs.qemu(), q, runs.boardAsQemu72(), b);
    }
}
