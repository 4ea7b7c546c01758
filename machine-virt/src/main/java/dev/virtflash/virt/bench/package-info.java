/**
 * The board benchmark ({@code virt bench board}, {@code ./bench}): the same guest work run by {@code ./virt} and by
 * Debian's {@code qemu-system-aarch64 -M virt}, each as its own process, side by side in one run, with the flash
 * resident bytes, the process RSS and the time from launch to the payload's exit; and a sweep of our JVM and
 * translation-buffer settings. It measures; it emulates nothing.
 */
package dev.virtflash.virt.bench;
