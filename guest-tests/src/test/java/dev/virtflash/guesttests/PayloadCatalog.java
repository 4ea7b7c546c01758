package dev.virtflash.guesttests;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Which payload reports which scenarios and notes: the expectations every runner is held to. */
final class PayloadCatalog {

    /** A payload run on a fresh blank flash1, its scenarios in order, and the note keys it prints. */
    record Entry(String payload, List<String> scenarios, List<String> notes) {
    }

    /** Payloads that need nothing but a blank flash1. */
    static final List<Entry> BLANK_FLASH1 = List.of(
            new Entry("cfi-query", List.of("cfi-query-32bit", "cfi-byte-lanes", "cfi-64bit-read", "cfi-command-widths",
                    "cfi-table-bounds", "id-reads", "cfi-geometry"), List.of()),
            new Entry("status", List.of("status-power-on", "status-clear", "status-sticky-error", "status-mode-exits"),
                    List.of("status-clear")),
            new Entry("erase", List.of("erase-at-setup-cycle", "erase-setup-then-garbage", "erase-confirm",
                    "erase-command-encodings"), List.of()),
            new Entry("word-program", List.of("word-program-widths", "program-over-data", "program-bytes-accumulate",
                    "word-program-64bit-split", "program-data-not-command", "program-status-mode"),
                    List.of("program-over-data", "program-bytes-accumulate")),
            new Entry("buffered", List.of("buffered-basic", "buffered-confirm-elsewhere", "buffered-count-255",
                    "buffered-full-window", "buffered-window-crossing", "buffered-bad-confirm", "buffered-narrow-cycles",
                    "buffered-data-not-commands", "buffered-preserves-window", "buffered-count-zero",
                    "buffered-window-origin"), List.of("buffered-count-zero", "buffered-window")),
            new Entry("modes", List.of("cfi-mode-sticky", "id-mode-exits", "unknown-commands", "lock-commands-noop",
                    "bank0-stray-writes"), List.of()),
            new Entry("cross-bank", List.of("bank0-runs-while-bank1-in-cfi-mode", "bank0-runs-while-bank1-buffer-open",
                    "both-banks-query-at-once", "both-banks-program-at-once"), List.of()),
            new Entry("self-command", List.of("trap-control-udf", "self-command-fetched-words",
                    "self-command-read-status", "self-command-cfi-query", "self-command-read-id",
                    "self-command-read-array", "self-command-same-page"), List.of("self-command-same-page")),
            new Entry("exec-bank1", List.of("exec-programmed-code", "exec-after-reerase", "exec-after-overwrite",
                    "exec-buffered-routine", "exec-bank1-in-status-mode"),
                    List.of("exec-after-reerase", "exec-after-overwrite", "exec-bank1-in-status-mode")),
            new Entry("reset", List.of("reset-before", "reset-flash-state", "reset-ram"), List.of()),
            new Entry("fuzz", List.of("fuzz-both-banks"), List.of()),
            new Entry("empty-reads", List.of("empty-bank1-reads-zero", "bank0-holes-read-zero", "hole-jump-undefined",
                    "hole-command-reaches-chip", "hole-erase-program-reads-back"), List.of()),
            new Entry("unaligned", List.of("unaligned-ram", "unaligned-cfi-reads", "unaligned-array-reads",
                    "unaligned-store-command"), List.of("unaligned-device-load", "unaligned-device-store")),
            // Issue 15: the guest's page tables (bank 1 at a high VA, RAM aliases, faults retried, EL0, TLBI).
            new Entry("mmu", List.of("mmu-identity", "mmu-bank1-high-va", "mmu-ram-alias", "mmu-fault-retry",
                    "mmu-el0-page-fault", "mmu-el0-hvc-undefined", "mmu-tlbi-after-remap",
                    "mmu-tlbi-block", "mmu-code-alias"), List.of()));

    /**
     * Blank-flash1 payloads whose console, beyond note lines, depends on the flash semantics: fuzz prints hashes of
     * what random program cycles left, which AND (real NOR) and overwrite (QEMU) make differ. The differential suite
     * compares them with QEMU on our board with QEMU 7.2's semantics; on the default board they must pass their checks.
     */
    static final Set<String> CONSOLE_DEPENDS_ON_FLASH_SEMANTICS = Set.of("fuzz");

    /** The read-only payload (needs a pattern image attached read-only; see ReadOnlyTest). */
    static final Entry READ_ONLY = new Entry("readonly", List.of("readonly-image-visible", "readonly-erase",
            "readonly-linux-erase-error", "readonly-word-program", "readonly-buffered", "readonly-status-accumulates"),
            List.of("readonly-linux-erase-error", "readonly-buffered"));

    /**
     * Payloads with their own tests: the default payload, the persistence pair, the runner failure modes, the
     * kill-safety loop (reliability.KillSafetyTest), the hostile guests (machine-virt's cli.HostileGuestTest), and the
     * flash throughput payload of {@code ./bench} (app's BoardBenchTest runs it on both boards).
     */
    static final Set<String> OWN_TESTS = Set.of("default", "persist-write", "persist-check", "crash", "hang", "flood",
            "flash-loop", "hostile-jump", "hostile-writes", "flash-speed");

    private PayloadCatalog() {
    }

    /**
     * Whether a blank-flash1 payload prints the note of a documented difference between {@code a} and {@code b} that
     * changes what is programmed (so the two boards' images may differ).
     */
    static boolean changesFlashContents(String payload, PayloadRunner a, PayloadRunner b) {
        return BLANK_FLASH1.stream().filter(e -> e.payload().equals(payload)).flatMap(e -> e.notes().stream())
                .map(KnownDifference::owning)
                .anyMatch(d -> d.changesFlashContents() && Differential.between(a, b).contains(d));
    }

    /** Every payload some test runs. */
    static Set<String> covered() {
        return Stream.concat(Stream.concat(BLANK_FLASH1.stream().map(Entry::payload), Stream.of(READ_ONLY.payload())),
                OWN_TESTS.stream()).collect(Collectors.toSet());
    }
}
