/**
 * Guest-driven flash tests: boot the payloads of the {@code firmware} module on a board and assert their console,
 * exit code and flash images; and hold our board to QEMU's answers.
 *
 * <p>A board is a {@link dev.virtflash.guesttests.PayloadRunner}: {@link dev.virtflash.guesttests.QemuRunner} runs
 * Debian's {@code qemu-system-aarch64 -M virt}, the oracle; {@link dev.virtflash.guesttests.BoardRunner} runs our
 * {@code VirtMachine} in this JVM. Tests are written against the interface and parameterised by runner, so the same
 * assertions hold every board to the same behaviour; {@link dev.virtflash.guesttests.DifferentialTest} compares the
 * two runs of every payload line by line and byte by byte. Where QEMU 7.2 differs from upstream QEMU's documented
 * behaviour (or our CPU from both), the payload prints a {@code note} line and the tests name the difference
 * ({@link dev.virtflash.guesttests.KnownDifference}). {@link dev.virtflash.guesttests.GuestSuite} gives every test
 * class the one {@link dev.virtflash.guesttests.GuestRuns} of the suite (shared runs, the time summary).
 *
 * <p>Not here: the board itself (module {@code machine-virt}), the payload sources (module {@code firmware}), the
 * U-Boot and EDK2 tests (sub-packages {@code uboot} and {@code edk2}), the reliability tests ({@code reliability}).
 */
package dev.virtflash.guesttests;
