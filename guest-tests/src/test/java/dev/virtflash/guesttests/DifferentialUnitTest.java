package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link Differential} and {@link BoundedConsole} on made-up runs (no emulator). */
class DifferentialUnitTest {

    /** A board that only declares its differences; it is never run. */
    private static PayloadRunner board(String name, Set<KnownDifference> differences) {
        return new PayloadRunner() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Set<KnownDifference> knownDifferences() {
                return differences;
            }

            @Override
            public Set<ImageFormat> imageFormats() {
                return EnumSet.of(ImageFormat.RAW);
            }

            @Override
            public RunResult run(RunSpec spec) throws IOException {
                throw new IOException(name + " is not a real board");
            }
        };
    }

    private final PayloadRunner old = board("old", EnumSet.of(KnownDifference.BUFFERED_WINDOW_AT_COUNT_CYCLE));
    private final PayloadRunner upstream = board("upstream", EnumSet.noneOf(KnownDifference.class));

    private static RunResult run(int exit, String... lines) {
        return new RunResult(exit, String.join("\n", lines) + "\n", false);
    }

    @Test
    void theDifferenceIsTheSymmetricOne() {
        assertEquals(EnumSet.of(KnownDifference.BUFFERED_WINDOW_AT_COUNT_CYCLE), Differential.between(old, upstream));
        assertEquals(EnumSet.noneOf(KnownDifference.class), Differential.between(old, old));
    }

    @Test
    void runsDifferingOnlyInTheirDocumentedNotesAgree() {
        RunResult a = run(0, "x", "note buffered-window: count-address (QEMU 7.2)", "-- s: pass");
        RunResult b = run(0, "x", "note buffered-window: first-data-address (upstream)", "-- s: pass");
        assertEquals(List.of(), Differential.mismatches(old, a, upstream, b));
    }

    @Test
    void aNoteWithTheOtherBoardsValueIsAMismatch() {
        RunResult a = run(0, "note buffered-window: first-data-address (upstream)");
        RunResult b = run(0, "note buffered-window: first-data-address (upstream)");
        assertEquals(List.of("old printed 'note buffered-window: first-data-address (upstream)' but is documented to "
                + "print 'note buffered-window: count-address (QEMU 7.2)' (BUFFERED_WINDOW_AT_COUNT_CYCLE)"),
                Differential.mismatches(old, a, upstream, b));
    }

    @Test
    void aMissingNoteIsAMismatch() {
        RunResult a = run(0, "x", "note buffered-window: count-address (QEMU 7.2)");
        RunResult b = run(0, "x");
        assertEquals(List.of("notes of the documented differences: old [buffered-window], upstream []"),
                Differential.mismatches(old, a, upstream, b));
    }

    @Test
    void anyOtherLineOrTheExitCodeIsAMismatch() {
        RunResult a = run(0, "x", "ok 1 - s: one");
        RunResult b = run(1, "x", "ok 1 - s: two");
        assertEquals(List.of("exit code: old 0, upstream 1", "console line 2: old 'ok 1 - s: one', upstream "
                + "'ok 1 - s: two'"), Differential.mismatches(old, a, upstream, b));
    }

    @Test
    void notesOfDifferencesBothBoardsShareAreComparedLikeAnyLine() {
        RunResult a = run(0, "note buffered-window: count-address (QEMU 7.2)");
        RunResult b = run(0, "note buffered-window: first-data-address (upstream)");
        assertEquals(1, Differential.mismatches(old, a, old, b).size());
    }

    @Test
    void boundedConsoleKeepsHeadAndTailAndCountsTheDrop() {
        BoundedConsole c = new BoundedConsole(4, 3);
        for (byte b : "abcdefghij".getBytes()) {
            c.put(b);
        }
        assertEquals("abcd\n[... 3 bytes dropped ...]\nhij", c.text());
        assertEquals(10, c.total());
        BoundedConsole small = new BoundedConsole(4, 3);
        small.append("abc".getBytes(), 3);
        assertEquals("abc", small.text());
    }
}
