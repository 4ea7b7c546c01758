/**
 * The {@code virt} program: {@link dev.virtflash.app.Virt} wires the command line ({@code .cli}) to the board and to
 * the subcommands {@code img} ({@code .img}) and {@code bench} ({@code .bench}); {@code .reliability} holds the soak
 * and density mains. Module {@code app} is everything a person runs, and the one module that binds slf4j and
 * prints; the libraries below it do neither.
 */
package dev.virtflash.app;
