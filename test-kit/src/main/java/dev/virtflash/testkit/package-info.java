/**
 * A test API for guest-driven flash tests on the {@code virt} board: flash images made from templates
 * ({@link dev.virtflash.testkit.FlashImage}: raw or qcow2, sparse, 64 MiB, optionally filled from files), a
 * machine booting an embedded payload or firmware on its own thread
 * ({@link dev.virtflash.testkit.TestMachine}: wait for console text with a timeout, type, wait for the end,
 * read the images back), a per-test folder and machine registry ({@link dev.virtflash.testkit.TestBoard}) and a
 * JUnit 5 extension handing one to each test ({@link dev.virtflash.testkit.VirtBoardExtension}).
 *
 * <p>Owns: driving a machine from a test thread, bounded console capture, failure messages (what was awaited, the
 * guest's exit or PC, the console tail). Does not own: the machine ({@code dev.virtflash.virt}), image formats
 * ({@code dev.virtflash.hw.block}), comparing with QEMU (module {@code guest-tests}). No state is static: every
 * machine and console belongs to the test that made it.
 */
package dev.virtflash.testkit;
