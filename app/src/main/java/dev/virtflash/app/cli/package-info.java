/**
 * The {@code virt} command line: QEMU-compatible option parsing ({@link dev.virtflash.app.cli.CommandLineParser}
 * and {@link dev.virtflash.app.cli.OptionValues}) into an immutable {@link dev.virtflash.app.cli.MachineConfig},
 * running it ({@link dev.virtflash.app.cli.MachineRunner}), the flash RSS report
 * ({@link dev.virtflash.app.cli.RssReport}), {@link dev.virtflash.app.cli.Main}, and what the application's tools
 * share: {@link dev.virtflash.app.cli.Sizes} and {@link dev.virtflash.app.cli.UsageException}.
 *
 * <p>Does not own: the board (module {@code machine-virt}), the image tools ({@code .img}), the benchmarks
 * ({@code .bench}); the process entry that wires them together is {@link dev.virtflash.app.Virt}.
 * QEMU options outside the list in {@link dev.virtflash.app.cli.CommandLineParser} are rejected by name.
 */
package dev.virtflash.app.cli;
