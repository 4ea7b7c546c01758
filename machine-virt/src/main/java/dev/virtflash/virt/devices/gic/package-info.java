/**
 * The interrupt side of the {@code virt} board: the GICv2 ({@link dev.virtflash.virt.devices.gic.GicV2}, distributor
 * at 0x0800_0000 and CPU interface at 0x0801_0000, one CPU) and the EL1 generic-timer model
 * ({@link dev.virtflash.virt.devices.gic.TimerLines}) that turns the timers' CTL/CVAL state into PPI levels and WFI
 * deadlines, because Unicorn 2.1.1 does neither.
 *
 * <p>Not here: the CPU's exception entry (the CPU binding takes the IRQ at a precise stop when
 * {@link dev.virtflash.virt.devices.gic.GicV2#irqPending()} rises); the GICv2m MSI frame; GICv3; the security and
 * virtualization extensions; the EL2 and Secure timers. Device models see only register offsets; the board places
 * them and wires their {@link dev.virtflash.virt.devices.InterruptLine}s to {@link
 * dev.virtflash.virt.devices.gic.GicV2#line(int)}.
 */
package dev.virtflash.virt.devices.gic;
