/**
 * The arm {@code virt} board: its memory map ({@link dev.virtflash.virt.VirtMemoryMap}), whose placed rows name the
 * {@code BoardDevice} that creates, maps and describes each device; the machine
 * ({@link dev.virtflash.virt.VirtMachine}, assembled in one loop over the table) and its device tree
 * ({@link dev.virtflash.virt.VirtDeviceTree}).
 * <p>Owns: where things are (the board places devices; devices never learn their base address). Does not own: the
 * devices ({@code .devices}, {@code dev.virtflash.hw.pflash}), the device tree encoding ({@code .fdt}), the CPU
 * ({@code .cpu}); the command line, tools and test kit are modules above this one ({@code app}, {@code test-kit}).
 * <p>Not emulated on this board (absent from the address space and the device tree): the GICv2m MSI frame, fw_cfg,
 * PL061, virtio-mmio, PCIe, SMMU, PMU, ACPI, secure=on, virtualization=on, more than one CPU.
 */
package dev.virtflash.virt;
