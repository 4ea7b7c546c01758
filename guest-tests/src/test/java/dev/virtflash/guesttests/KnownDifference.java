package dev.virtflash.guesttests;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Documented differences between a board and upstream QEMU's flash behaviour (spec §1.8 and what the payloads
 * observed on Debian's QEMU 7.2), QEMU's bugs and our deliberate ones (where QEMU is wrong against real parts). The payload scenarios that can tell them apart pass either way and print a
 * {@code note KEY: VALUE} line naming what they saw; a test expects, per runner, the value of the behaviour that
 * runner is documented to have.
 */
public enum KnownDifference {

    /**
     * Debian's 7.2 carries QEMU 9.0.0's buffered-write rework, which opens the 4 KiB buffer window at the count
     * cycle's address; upstream (since "hw/pflash: fix block write start", May 2024) opens it at the first data
     * cycle's. A buffer whose count cycle lies in another window than its data is dropped with SR.4 on 7.2.
     */
    BUFFERED_WINDOW_AT_COUNT_CYCLE(List.of("buffered-window"),
            "count-address (QEMU 7.2)", "first-data-address (upstream)", true),

    /**
     * The same rework opens the buffer at the count cycle whatever the count, so a count of 0 (one data cycle)
     * programs on 7.2, as on a real part (the count is the number of words minus one); upstream opens the buffer only
     * at a data cycle with the counter not 0, so count 0 always fails with SR.4 (spec §1.8). Our board with real NOR
     * semantics (the default) programs it too: Linux writes one word with count 0 (UBI needs it); with
     * {@code flash-semantics=qemu-7.2} it keeps upstream's failure.
     */
    BUFFERED_COUNT_ZERO_PROGRAMS(List.of("buffered-count-zero"),
            "programs (QEMU 7.2, real NOR)", "fails (upstream)", true),

    /**
     * QEMU 7.2's flash model programs and erases its storage behind TCG's back: code in flash that was translated
     * before is still run from the old translation after the flash holds new code (observed: exec-bank1 returns the
     * first routine's value after re-erase and re-program). A faithful board runs what the flash holds.
     */
    STALE_TRANSLATION_AFTER_PROGRAM(List.of("exec-after-reerase", "exec-after-overwrite", "exec-bank1-in-status-mode"),
            "stale-code (QEMU 7.2 keeps translated flash code across program/erase)", "new-code", false),

    /**
     * QEMU 7.2's TCG links a translation block ending at an ISB directly to the translation of the next instruction
     * in the same page and does not unlink it when the flash bank leaves read-array mode: code that puts its own bank
     * into read-status mode runs the old instruction after the ISB instead of fetching the status word
     * (self-command's same-page scenario; the page-crossing scenarios are not affected).
     */
    STALE_LINKED_TRANSLATION(List.of("self-command-same-page"),
            "stale translation ran after the ISB (QEMU 7.2 TCG block linking)",
            "status word fetched after the ISB (architectural)", false),

    /**
     * QEMU 7.2's TCG stores an unaligned value to a device byte by byte ("recurse through byte stores"); upstream
     * QEMU (8.1 on, the cputlb rewrite) stores naturally aligned pieces, so a 4-byte store at word + 2 is two 2-byte
     * bus cycles. Our board's flash bus splits as upstream does. Each cycle is decoded by the flash model, so the two
     * leave different bytes programmed (the unaligned payload's store scenario).
     */
    UNALIGNED_DEVICE_STORE_AS_BYTES(List.of("unaligned-device-store"), "byte cycles (QEMU 7.2)",
            "aligned pieces (upstream)", true),

    /**
     * QEMU 7.2's TCG loads an unaligned value from a device as two naturally aligned loads of the full size and
     * shifts the bytes together; upstream QEMU loads aligned pieces. Unicorn 2.1 (QEMU 5's TCG) does what 7.2 does,
     * so our board shows this difference too: in CFI mode, where narrow reads ignore the byte lane, the two give
     * different values.
     */
    UNALIGNED_DEVICE_LOAD_AS_TWO_ALIGNED_LOADS(List.of("unaligned-device-load"),
            "two aligned loads (QEMU 7.2, Unicorn)", "aligned pieces (upstream)", false),

    /**
     * Semihosting SYS_EXIT makes QEMU 7.2 call exit() on the spot, without flushing its block devices: flash writes
     * to a raw image are already in the file (plain pwrite), but a qcow2 image loses the metadata still in QEMU's
     * cache, so the guest's writes are not visible in the image afterwards. A clean shutdown (PSCI SYSTEM_OFF)
     * keeps them. Seen from the host, not on the console: this difference has no note.
     */
    SEMIHOSTING_EXIT_DROPS_QCOW2_WRITES(List.of(), "qcow2 writes lost at SYS_EXIT", "qcow2 writes kept at SYS_EXIT",
            true),

    /**
     * Deliberate, ours (board property {@code flash-semantics=real-nor}, the default): programming ANDs into the
     * array, as real NOR does (program only clears bits); QEMU (7.2 and upstream) stores the data as written. Linux
     * writes a partial word as a bus word padded with 0xFF, so byte writes into one word accumulate on real NOR and
     * keep only the last byte on QEMU (word-program's scenarios).
     */
    PROGRAM_ANDS_AS_REAL_NOR(List.of("program-over-data", "program-bytes-accumulate"),
            "and (real NOR: program only clears bits)", "overwrite (QEMU)", true),

    /**
     * Deliberate, ours ({@code flash-semantics=real-nor}): Clear Status (0x50) resets the error bits and keeps SR.7,
     * the ready bit, as Intel/Sharp parts do; QEMU clears the whole register, so a following 0x70 reads 0x00 ("busy")
     * until the next operation, and Linux's erase error path on a read-only bank (0x50, 0x70, poll SR.7) hangs.
     */
    CLEAR_STATUS_KEEPS_READY(List.of("status-clear", "readonly-linux-erase-error"), "SR.7 kept (real NOR)",
            "SR.7 cleared (QEMU)", false),

    /**
     * Deliberate, ours ({@code flash-semantics=real-nor}): a buffered program refused because the bank is read-only
     * ends in status mode (SR.4 | SR.7), as a program on a locked block does on a real part; QEMU aborts it to
     * read-array, so a driver polling the confirm address for SR.7 reads array data.
     */
    REFUSED_BUFFER_REPORTS_STATUS(List.of("readonly-buffered"), "status mode (real NOR)", "read-array (QEMU)", false);

    private final List<String> noteKeys;
    private final String presentValue;
    private final String absentValue;
    private final boolean changesFlashContents;

    KnownDifference(List<String> noteKeys, String presentValue, String absentValue, boolean changesFlashContents) {
        this.noteKeys = noteKeys;
        this.presentValue = presentValue;
        this.absentValue = absentValue;
        this.changesFlashContents = changesFlashContents;
    }

    /** Whether a board with this difference leaves other bytes in flash than one without (not only other output). */
    public boolean changesFlashContents() {
        return changesFlashContents;
    }

    /**
     * Our deliberate differences, where QEMU is wrong against real NOR parts: a board with real NOR semantics (ours,
     * by default) shows them, QEMU and our board with {@code flash-semantics=qemu-7.2} do not.
     */
    public static Set<KnownDifference> realNor() {
        return EnumSet.of(PROGRAM_ANDS_AS_REAL_NOR, CLEAR_STATUS_KEEPS_READY, REFUSED_BUFFER_REPORTS_STATUS);
    }

    /** The difference whose note has this key. */
    public static KnownDifference owning(String noteKey) {
        for (KnownDifference d : values()) {
            if (d.noteKeys.contains(noteKey)) {
                return d;
            }
        }
        throw new IllegalArgumentException("no documented difference prints note " + noteKey);
    }

    /** The keys of the note lines that show this difference. */
    public List<String> noteKeys() {
        return noteKeys;
    }

    /** The note value printed by a board that has this difference ({@code present}) or behaves like upstream. */
    public String noteValue(boolean present) {
        return present ? presentValue : absentValue;
    }

    /** The whole note line for {@code key}. */
    public String noteLine(String key, boolean present) {
        if (!noteKeys.contains(key)) {
            throw new IllegalArgumentException(name() + " has no note " + key + "; its notes are " + noteKeys);
        }
        return "note " + key + ": " + noteValue(present);
    }
}
