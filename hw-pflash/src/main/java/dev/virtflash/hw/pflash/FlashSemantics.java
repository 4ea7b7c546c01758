package dev.virtflash.hw.pflash;

import java.util.Arrays;
import java.util.Optional;

/**
 * How a bank's array and status register behave where QEMU 7.2's {@code pflash_cfi01} departs from real Intel/Sharp
 * NOR parts. Everything else (command decoding, QEMU's quirks such as erase-at-0x20 and sticky CFI mode) is the same
 * in both.
 *
 * <p><b>{@link #REAL_NOR}</b> (the default), checked against these documents:
 * <ul>
 *   <li><i>Programming only clears bits</i>: the array becomes {@code old AND data}, for word programs and for
 *       buffered programs (the write buffer starts all ones, so bytes the guest did not load leave the array as it
 *       was, and the buffer is ANDed into the array at confirm). Intel/Numonyx StrataFlash J3 datasheets: erase turns
 *       zeros into ones, program turns ones into zeros, and nothing else does. Linux's {@code cfi_cmdset_0001.c}
 *       relies on it: a partial-word write ({@code cfi_intelext_write_words}, {@code do_write_buffer}) pads the bus
 *       word with 0xFF ({@code map_word_ff}), so byte-by-byte writes into one word accumulate.</li>
 *   <li><i>Clear Status (0x50) clears only the error bits</i> SR.5, SR.4, SR.3 and SR.1 (28F128J3A datasheet,
 *       "Clear Status Register Command"; 3 Volt Intel Flash B3 datasheet, "Clearing the Status Register"); SR.7 is
 *       the write state machine's ready bit, set by the device itself, and stays 1 because this model is never busy.
 *       Linux's error path ({@code do_erase_oneblock}, {@code do_write_oneword}, {@code do_write_buffer}: 0x50, then
 *       0x70, then the next operation polls SR.7 in {@code chip_ready}) therefore sees a ready chip and reports the
 *       error instead of waiting forever.</li>
 *   <li><i>A buffered program with a count of 0 programs one word</i>: the count cycle is the number of words
 *       minus one (28F128J3A datasheet, "Write to Buffer"), so 0 means one data cycle. Linux's
 *       {@code do_write_buffer} sends 0 for a one-word write (UBI's 4-byte header invalidation, any 4-byte
 *       {@code /dev/mtdN} write). QEMU since 9.0's buffer rework (and upstream today) opens the buffer only at a
 *       data cycle with the counter not 0, so there count 0 fails with SR.4 and aborts to read-array, and Linux
 *       times out polling for SR.7; Debian's 7.2 build programs it (its window opens at the count cycle).</li>
 *   <li><i>A refused buffered program on a read-only bank ends in status mode</i> with SR.4 and SR.7, as a
 *       program on a locked block does on a real part (the confirm starts the state machine, which reports the
 *       error); QEMU aborts it back to read-array, so a driver polling for SR.7 reads array data instead.</li>
 * </ul>
 *
 * <p><b>{@link #QEMU_7_2}</b> keeps QEMU 7.2's behaviour bit for bit (spec {@code cfi01-spec.md} §1.4, §1.6, §1.8):
 * programming overwrites (1s can be written back), the write buffer starts as a copy of the array and replaces it at
 * confirm, 0x50 clears the whole status register (SR.7 included, so 0x70 then reads 0x00 "busy" until the next
 * operation), and every refused buffered program aborts to read-array. For bit-exact comparisons with
 * {@code qemu-system-aarch64}.
 */
public enum FlashSemantics {

    /** Real Intel/Sharp NOR: program ANDs, 0x50 keeps SR.7. The default. */
    REAL_NOR("real-nor"),
    /** QEMU 7.2's {@code pflash_cfi01}: program overwrites, 0x50 clears SR.7 too. */
    QEMU_7_2("qemu-7.2");

    private final String spelling;

    FlashSemantics(String spelling) {
        this.spelling = spelling;
    }

    /** The command-line spelling: {@code real-nor} or {@code qemu-7.2}. */
    public String spelling() {
        return spelling;
    }

    /** The value spelled {@code text} ({@link #spelling()}), if any. */
    public static Optional<FlashSemantics> parse(String text) {
        return Arrays.stream(values()).filter(s -> s.spelling.equals(text)).findFirst();
    }

    /** The spellings, for messages: {@code real-nor or qemu-7.2}. */
    public static String spellings() {
        return REAL_NOR.spelling + " or " + QEMU_7_2.spelling;
    }

    /** Whether programming ANDs into the array (else it overwrites). */
    boolean programAnds() {
        return this == REAL_NOR;
    }

    /** Whether 0x50 keeps SR.7 (else it clears the whole register). */
    boolean clearStatusKeepsReady() {
        return this == REAL_NOR;
    }

    /** Whether a buffered program with a count of 0 programs its one data cycle (else it fails with SR.4). */
    boolean countZeroPrograms() {
        return this == REAL_NOR;
    }

    /** Whether a buffered program refused because the bank is read-only ends in status mode (else read-array). */
    boolean refusedBufferReportsStatus() {
        return this == REAL_NOR;
    }
}
