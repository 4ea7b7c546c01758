/**
 * Guest-driven flash tests: boot the payloads of the {@code firmware} module on a board and assert their console
 * and exit code.
 *
 * <p>A board is a {@link dev.virtflash.guesttests.PayloadRunner}; {@link dev.virtflash.guesttests.QemuRunner} runs
 * Debian's {@code qemu-system-aarch64 -M virt}, the oracle. Tests are written against the interface and
 * parameterised by runner, so the same assertions hold every board to the same behaviour. Where QEMU 7.2 differs
 * from upstream QEMU's documented behaviour on purpose-built scenarios, the payload prints a {@code note} line and
 * the tests name the difference ({@link dev.virtflash.guesttests.KnownDifference}).
 *
 * <p>Not here: the board itself (module {@code machine-virt}) and the payload sources (module {@code firmware}).
 */
package dev.virtflash.guesttests;
