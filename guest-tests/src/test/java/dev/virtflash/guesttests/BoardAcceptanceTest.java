package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 7, acceptance 2, on our board: code that commands the very bank it executes from (status, CFI and ID words
 * fetched as instructions must not crash the emulator), and code programmed into flash1 and then executed (stale
 * translated code must not run). Both payloads pass every scenario, and every note says the board behaves
 * architecturally, not like QEMU 7.2's translation cache.
 */
@ExtendWith(GuestSuite.class)
class BoardAcceptanceTest {

    private final GuestRuns runs;

    BoardAcceptanceTest(GuestRuns runs) {
        this.runs = runs;
    }

    private void passesWithNotes(String payload, Map<String, String> notes) throws Exception {
        RunResult r = runs.blank(runs.board(), payload);
        ScenarioReport report = ScenarioReport.parse(r);
        assertEquals(0, r.exitCode(), r::describe);
        assertEquals(List.of(), report.failures(), r::describe);
        PayloadCatalog.Entry entry = PayloadCatalog.BLANK_FLASH1.stream().filter(e -> e.payload().equals(payload))
                .findFirst().orElseThrow();
        for (String scenario : entry.scenarios()) {
            assertEquals(Optional.of("pass"), report.result(scenario), () -> scenario + ": " + r.describe());
        }
        assertEquals(notes, report.notes(), r::describe);
    }

    @Test
    void selfCommandingBankPasses() throws Exception {
        passesWithNotes("self-command", Map.of("self-command-same-page",
                "status word fetched after the ISB (architectural)"));
    }

    @Test
    void programThenExecutePassesAndRunsTheNewCode() throws Exception {
        Map<String, String> notes = new LinkedHashMap<>();
        for (String key : KnownDifference.STALE_TRANSLATION_AFTER_PROGRAM.noteKeys()) {
            notes.put(key, "new-code");
        }
        passesWithNotes("exec-bank1", notes);
    }
}
