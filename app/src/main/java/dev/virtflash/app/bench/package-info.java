/**
 * The board benchmark ({@code virt bench board}, {@code ./bench}): the same guest work run by {@code ./virt} and by
 * Debian's {@code qemu-system-aarch64 -M virt}, each as its own process, side by side in one run, with the flash
 * resident bytes, the process RSS and the time from launch to the payload's exit; Debian's U-Boot and AAVMF booted
 * to their prompts in both, driven through their consoles, with the time, process RSS and flash resident bytes at the
 * prompt; and a sweep of our JVM and translation-buffer settings. Also the load benchmark ({@code virt bench load},
 * {@link dev.virtflash.app.bench.LoadBench}): the non-zero reader against a whole read, per image kind; and the
 * density benchmark ({@code virt bench density}, {@link dev.virtflash.app.bench.DensityBench}): many boards in one
 * JVM against one QEMU process per board. It measures;
 * it emulates nothing.
 */
package dev.virtflash.app.bench;
