/**
 * Debian's U-Boot ({@code u-boot-qemu} 2023.01, {@code qemu_arm64}) on our board, driven through the user test API
 * ({@code dev.virtflash.testkit}) and, for comparison, on Debian's QEMU 7.2 through the same scripts
 * ({@link dev.virtflash.guesttests.uboot.ProcessConsole}): the prompt from a flash0 image and from {@code -bios},
 * {@code flinfo}, {@code saveenv} and its persistence, {@code erase}/{@code cp.b}/{@code cmp.b}, a read-only code
 * bank, {@code reset} in place, and console input through the command line.
 *
 * <p>Not here: EDK2, timing (the benchmark script), the payload scenarios (package {@code dev.virtflash.guesttests}).
 */
package dev.virtflash.guesttests.uboot;
