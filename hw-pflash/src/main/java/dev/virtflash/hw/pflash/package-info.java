/**
 * The CFI01 parallel NOR flash of QEMU's arm {@code virt} board: {@link dev.virtflash.hw.pflash.PflashCfi01} (the
 * bank, its builder and the {@code virt} preset), its validated {@link dev.virtflash.hw.pflash.Geometry}, the
 * {@link dev.virtflash.hw.pflash.CfiQueryTable} derived from it, the {@link dev.virtflash.hw.pflash.WriteState}
 * machine with its {@link dev.virtflash.hw.pflash.Cfi01Commands} and {@link dev.virtflash.hw.pflash.StatusRegister}
 * bits, the bus-cycle split, and the write-back of changes to the image.
 *
 * <p>Owns: each bank's array ({@code HostMemory}) and its ROM-device region. Does not own: the images (opened and
 * closed by the board, in {@code hw-block}), placement (the board maps the region; a bank never learns its
 * address), the FDT node, the CPU's fast paths (it only reports {@code romd} and content changes).
 *
 * <p>Real NOR by default where QEMU 7.2 departs from it (programming ANDs, 0x50 keeps SR.7), QEMU's way on request:
 * {@link dev.virtflash.hw.pflash.FlashSemantics}.
 *
 * <p>Not emulated: suspend/resume, lock state, OTP/protection registers, the configuration register, BEFP, chip
 * erase, timing, big-endian banks; see
 * {@link dev.virtflash.hw.pflash.PflashCfi01} for the full list.
 */
package dev.virtflash.hw.pflash;
