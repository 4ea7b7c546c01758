/**
 * The arm {@code virt} board: its memory map ({@link dev.virtflash.virt.VirtMemoryMap}) and, composed from the
 * sub-packages, the machine.
 *
 * <p>Owns: where things are (the board places devices; devices never learn their base address). Does not own: the
 * devices ({@code .devices}, {@code dev.virtflash.hw.pflash}), the device tree encoding ({@code .fdt}), the CPU
 * ({@code .cpu}), the command line ({@code .cli}).
 *
 * <p>Not emulated on this board (absent from the address space and the device tree): the GICv2m MSI frame, fw_cfg,
 * PL061, virtio-mmio, PCIe, SMMU, PMU, ACPI, secure=on, virtualization=on, more than one CPU.
 */
package dev.virtflash.virt;
