/** Debian's arm64 Linux kernel booted with {@code -kernel} on our board and on QEMU 7.2. */
package dev.virtflash.guesttests.linux;
