/**
 * The {@code virt} command line: QEMU-compatible option parsing ({@link dev.virtflash.app.cli.CommandLineParser})
 * into an immutable {@link dev.virtflash.app.cli.MachineConfig}, the embedded payloads
 * ({@link dev.virtflash.firmware.PayloadCatalog}), the flash RSS report ({@link dev.virtflash.app.cli.RssReport})
 * and {@link dev.virtflash.app.cli.Main}. The only package that writes to {@code System.out}/{@code System.err}.
 *
 * <p>Does not own: building or running the machine (the board's launcher), image tools ({@code hw-block}).
 * QEMU options outside the list in {@link dev.virtflash.app.cli.CommandLineParser} are rejected by name.
 */
package dev.virtflash.app.cli;
