/**
 * Raw images: a host file whose bytes are the guest-visible contents, with block status from the file system's holes
 * and zeroed ranges punched back out.
 *
 * <p>Not emulated: QEMU's {@code O_DIRECT} alignment probing (and the zeroed first block {@code qemu-img create}
 * allocates for it), the {@code offset=}/{@code size=} options of QEMU's raw driver, host discard granularity.
 */
package dev.virtflash.hw.block.raw;
