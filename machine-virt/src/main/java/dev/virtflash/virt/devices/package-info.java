/**
 * Devices of the {@code virt} board other than the flash: the PL011 UART ({@link dev.virtflash.virt.devices.Pl011})
 * and the console plumbing it talks to ({@link dev.virtflash.virt.devices.ConsoleSink},
 * {@link dev.virtflash.virt.devices.ConsoleSource}, {@link dev.virtflash.virt.devices.InterruptLine}), and
 * {@link dev.virtflash.virt.devices.GuestErrors}, the rate-limited WARN for guest mistakes that the UART and the
 * devices in {@code gic} and {@code rtc} share.
 *
 * <p>Devices see offsets inside their own window and never learn their base address; the board places them
 * ({@link dev.virtflash.virt.VirtMemoryMap}) and wires their interrupt lines. The GIC and the generic-timer lines are
 * in {@code gic}, the PL031 in {@code rtc}. Not here yet: PL061, fw_cfg, virtio-mmio.
 */
package dev.virtflash.virt.devices;
