/**
 * Debian's AAVMF (EDK2 2022.11) on our board: boot to the UEFI Shell on a blank VARS image, the variable store EDK2
 * builds (spec §4.2), variables across a Shell {@code reset} and a second boot, and the read-only code bank.
 * Not covered here: Secure Boot keys, capsule updates, booting an OS.
 */
package dev.virtflash.guesttests.edk2;
