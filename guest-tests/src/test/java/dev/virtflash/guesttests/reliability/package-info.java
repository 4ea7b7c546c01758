/**
 * Reliability tests: SIGKILL at random moments while the guest erases and programs (the image opens, qcow2 passes
 * {@code qemu-img check}, every reported operation is on disk, the interrupted one is old or new data sector by
 * sector), a full file system under the write-back (WARN, the guest runs on, the CLI says what the image misses), and
 * several boards in one JVM (all pass, resident memory per board printed).
 *
 * <p>The long versions (50 kills in a loop, U-Boot/EDK2 soak, 16 boards and the translation-buffer sweep) are the
 * mains of {@code dev.virtflash.app.reliability}; this package keeps what fits the suite's time budget.
 */
package dev.virtflash.guesttests.reliability;
