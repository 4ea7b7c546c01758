/**
 * Reliability tools: what a test rig running thousands of boots needs to trust the emulator, as command-line mains
 * that print figures (they take the {@code PrintStream} to print to; only their {@code main} passes
 * {@code System.out}).
 * <ul>
 *   <li>{@link dev.virtflash.app.reliability.PayloadMain}: a lean launcher (no CLI) that runs an embedded payload
 *       with a given flash1 image and writes the console to stdout line by line, for tests that SIGKILL it;</li>
 *   <li>{@link dev.virtflash.app.reliability.Soak}: U-Boot {@code saveenv} + {@code reset} many times in one
 *       process (EDK2 boot + variable write + reset once the board has its GIC and timer), checking the flash and
 *       the process footprint;</li>
 *   <li>{@link dev.virtflash.app.reliability.Density}: many boards in one JVM running the default payload at once,
 *       with the resident memory each adds;</li>
 *   <li>{@link dev.virtflash.app.reliability.ProcessFootprint}: RSS, open descriptors, mappings and threads of this
 *       process.</li>
 * </ul>
 * Their consoles are the test API's ({@link dev.virtflash.testkit.ConsoleLog},
 * {@link dev.virtflash.testkit.TestMachine}).
 *
 * <p>Does not own: the board, its devices, the CLI, the console recorder. Emulates nothing.
 */
package dev.virtflash.app.reliability;
