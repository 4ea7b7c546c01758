package dev.virtflash.virt;

import dev.virtflash.hw.pflash.PflashCfi01;
import dev.virtflash.memory.AddressRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The low memory map of QEMU's arm {@code virt} board ({@code base_memmap[]} and {@code a15irqmap[]} in QEMU's
 * {@code hw/arm/virt.c}, spec §3.2), as one table.
 *
 * <p>The table holds the whole low map for reference. An entry that names a {@link BoardDevice} is placed: the board
 * assembles itself in one loop over {@link #placedEntries()} (creating the device, mapping its region, writing its
 * device tree node), so {@link #placed()} is true to the code by construction. Today: the two flash banks, the GICv2
 * distributor and CPU interface, the PL011, the PL031 and RAM. Everything else is absent: a guest access there hits
 * unassigned space, and the device tree has no node for it.
 *
 * <p>Deviations from QEMU's table, all deliberate:
 * <ul>
 *   <li>QEMU's single {@code VIRT_FLASH} window (128 MiB at 0) is split into its two 64 MiB banks
 *       {@link #FLASH0} and {@link #FLASH1}, as {@code virt_flash_map()} halves it.</li>
 *   <li>QEMU's {@code VIRT_CPUPERIPHS} (0x0800_0000, 0x2_0000) is a container around the GIC distributor and CPU
 *       interface; it is left out because it overlaps its own contents.</li>
 *   <li>{@link #VIRTIO_MMIO} covers all 32 transports of 0x200 bytes; {@link #virtioTransport(int)} gives one.</li>
 *   <li>{@link #RAM}'s size is the largest RAM the low map allows (255 GiB, QEMU's {@code LEGACY_RAMLIMIT_BYTES});
 *       the board maps {@code -m} bytes of it.</li>
 *   <li>The high map (high ECAM, high PCIe MMIO, redistributor region 2) floats above RAM and is not listed.</li>
 * </ul>
 *
 * <p>{@link #spi()} is the first shared peripheral interrupt of the entry (GIC SPI number, add 32 for the GIC
 * interrupt ID), or {@link #NO_SPI}.
 */
public enum VirtMemoryMap {

    /** pflash bank 0 ({@code -drive if=pflash,unit=0} or {@code -bios}): first half of {@code VIRT_FLASH}. */
    FLASH0(0x0000_0000L, PflashCfi01.VIRT_BANK_SIZE, VirtMemoryMap.NO_SPI, BoardDevice.FLASH_BANK, "flash bank 0"),
    /** pflash bank 1 ({@code -drive if=pflash,unit=1}): second half of {@code VIRT_FLASH}. */
    FLASH1(0x0400_0000L, PflashCfi01.VIRT_BANK_SIZE, VirtMemoryMap.NO_SPI, BoardDevice.FLASH_BANK, "flash bank 1"),
    /** GIC distributor (v2 and v3). */
    GIC_DIST(0x0800_0000L, 0x1_0000L, VirtMemoryMap.NO_SPI, BoardDevice.GIC_DISTRIBUTOR, "GIC distributor"),
    /** GICv2 CPU interface. */
    GIC_CPU(0x0801_0000L, 0x1_0000L, VirtMemoryMap.NO_SPI, BoardDevice.GIC_CPU_INTERFACE, "GICv2 CPU interface"),
    /** GICv2m MSI frame; its SPIs start at 48 (64 of them). */
    GIC_V2M(0x0802_0000L, 0x1000L, 48, null, "GICv2m MSI frame"),
    /** GICv2 hypervisor interface (virtualization=on). */
    GIC_HYP(0x0803_0000L, 0x1_0000L, VirtMemoryMap.NO_SPI, null, "GICv2 hypervisor interface"),
    /** GICv2 virtual CPU interface (virtualization=on). */
    GIC_VCPU(0x0804_0000L, 0x1_0000L, VirtMemoryMap.NO_SPI, null, "GICv2 virtual CPU interface"),
    /** GICv3 ITS. */
    GIC_ITS(0x0808_0000L, 0x2_0000L, VirtMemoryMap.NO_SPI, null, "GICv3 ITS"),
    /** GICv3 redistributors (2 x 64 KiB per CPU, up to 123 CPUs). */
    GIC_REDIST(0x080A_0000L, 0xF6_0000L, VirtMemoryMap.NO_SPI, null, "GICv3 redistributors"),
    /** PL011 UART0: the console, {@code /chosen/stdout-path}. */
    UART(0x0900_0000L, 0x1000L, 1, BoardDevice.UART, "PL011 UART0"),
    /** PL031 real-time clock. */
    RTC(0x0901_0000L, 0x1000L, 2, BoardDevice.RTC, "PL031 RTC"),
    /** fw_cfg: data at +0, selector at +8, DMA at +16. */
    FW_CFG(0x0902_0000L, 0x18L, VirtMemoryMap.NO_SPI, null, "fw_cfg"),
    /** PL061 GPIO (power button; without ACPI). */
    GPIO(0x0903_0000L, 0x1000L, 7, null, "PL061 GPIO"),
    /** UART1: the secure UART with secure=on, else a second {@code -serial}. */
    SECURE_UART(0x0904_0000L, 0x1000L, 8, null, "PL011 UART1 / secure UART"),
    /** SMMUv3; its SPIs start at 74. */
    SMMU(0x0905_0000L, 0x2_0000L, 74, null, "SMMUv3"),
    /** ACPI memory hot-plug I/O ({@code MEMORY_HOTPLUG_IO_LEN}). */
    PCDIMM_ACPI(0x0907_0000L, 0x18L, VirtMemoryMap.NO_SPI, null, "ACPI memory hotplug"),
    /** ACPI generic event device ({@code ACPI_GED_EVT_SEL_LEN}). */
    ACPI_GED(0x0908_0000L, 0x4L, 9, null, "ACPI GED"),
    /** ACPI NVDIMM I/O ({@code NVDIMM_ACPI_IO_LEN}). */
    NVDIMM_ACPI(0x0909_0000L, 0x4L, VirtMemoryMap.NO_SPI, null, "ACPI NVDIMM"),
    /** Stolen-time structures (KVM). */
    PVTIME(0x090A_0000L, 0x1_0000L, VirtMemoryMap.NO_SPI, null, "PV time"),
    /** Secure PL061 GPIO (power-off and reboot for TF-A). */
    SECURE_GPIO(0x090B_0000L, 0x1000L, VirtMemoryMap.NO_SPI, null, "secure PL061 GPIO"),
    /** 32 virtio-mmio transports of 0x200 bytes; transport n uses SPI 16 + n. */
    VIRTIO_MMIO(0x0A00_0000L, VirtMemoryMap.VIRTIO_TRANSPORTS * VirtMemoryMap.VIRTIO_TRANSPORT_SIZE, 16, null,
            "virtio-mmio transports"),
    /** Dynamic sysbus devices; SPIs from 112. */
    PLATFORM_BUS(0x0C00_0000L, 0x200_0000L, 112, null, "platform bus"),
    /** Secure-only RAM (secure=on). */
    SECURE_MEM(0x0E00_0000L, 0x100_0000L, VirtMemoryMap.NO_SPI, null, "secure RAM"),
    /** PCIe 32-bit MMIO window; INTA..INTD are SPIs 3 to 6. */
    PCIE_MMIO(0x1000_0000L, 0x2EFF_0000L, 3, null, "PCIe MMIO"),
    /** PCIe I/O port window. */
    PCIE_PIO(0x3EFF_0000L, 0x1_0000L, VirtMemoryMap.NO_SPI, null, "PCIe PIO"),
    /** Low PCIe ECAM (only when high ECAM is off). */
    PCIE_ECAM(0x3F00_0000L, 0x100_0000L, VirtMemoryMap.NO_SPI, null, "PCIe ECAM (low)"),
    /** RAM: the board maps {@code -m} bytes from here; the size is the low map's limit, 255 GiB. */
    RAM(0x4000_0000L, 255L << 30, VirtMemoryMap.NO_SPI, BoardDevice.RAM, "RAM");

    /** {@link #spi()} of an entry without an interrupt. */
    public static final int NO_SPI = -1;
    /** Number of virtio-mmio transports ({@code NUM_VIRTIO_TRANSPORTS}). */
    public static final int VIRTIO_TRANSPORTS = 32;
    /** Size of one virtio-mmio transport. */
    public static final long VIRTIO_TRANSPORT_SIZE = 0x200L;
    /** Every base in the table is a multiple of this (64 KiB), the granule QEMU lays the map out on. */
    public static final long BASE_ALIGNMENT = 0x1_0000L;

    static {
        requireValidLayout(Arrays.asList(values()));
    }

    private final long base;
    private final long size;
    private final int spi;
    private final BoardDevice device;
    private final String description;

    VirtMemoryMap(long base, long size, int spi, BoardDevice device, String description) {
        this.base = base;
        this.size = size;
        this.spi = spi;
        this.device = device;
        this.description = description;
    }

    /** The first guest physical address. */
    public long base() {
        return base;
    }

    /** The size in bytes (for {@link #RAM}: the largest RAM the map allows). */
    public long size() {
        return size;
    }

    /** {@code [base, base + size)}. */
    public AddressRange range() {
        return AddressRange.of(base, size);
    }

    /** The first GIC SPI of the entry, or {@link #NO_SPI}. */
    public int spi() {
        return spi;
    }

    /** Whether this board places the entry in its address space: whether the row names a device. */
    public boolean placed() {
        return device != null;
    }

    /** The device the board puts here, or null. */
    BoardDevice device() {
        return device;
    }

    /** A human name, as in spec §3.2. */
    public String description() {
        return description;
    }

    /** The entries this board places, in address order. */
    public static List<VirtMemoryMap> placedEntries() {
        List<VirtMemoryMap> out = new ArrayList<>();
        for (VirtMemoryMap e : values()) {
            if (e.device != null) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * The range of virtio-mmio transport {@code n}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= n < 32}
     */
    public static AddressRange virtioTransport(int n) {
        if (n < 0 || n >= VIRTIO_TRANSPORTS) {
            throw new IllegalArgumentException("virtio-mmio transport " + n + " does not exist, expected 0.."
                    + (VIRTIO_TRANSPORTS - 1));
        }
        return AddressRange.of(VIRTIO_MMIO.base + n * VIRTIO_TRANSPORT_SIZE, VIRTIO_TRANSPORT_SIZE);
    }

    /**
     * Checks a layout: every size positive, every base a multiple of {@link #BASE_ALIGNMENT}, no two entries
     * overlapping. Runs on the table when the class loads, so a bad edit fails at once.
     *
     * @throws IllegalStateException naming the entry (or both entries) at fault, with their ranges
     */
    static void requireValidLayout(List<VirtMemoryMap> entries) {
        requireValidLayout(entries, VirtMemoryMap::name, VirtMemoryMap::base, VirtMemoryMap::size);
    }

    /** {@link #requireValidLayout(List)} for any kind of entry; lets tests feed broken layouts. */
    static <T> void requireValidLayout(List<T> entries, java.util.function.Function<T, String> name,
                                       java.util.function.ToLongFunction<T> base,
                                       java.util.function.ToLongFunction<T> size) {
        List<T> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(base::applyAsLong, Long::compareUnsigned));
        T previous = null;
        for (T e : sorted) {
            long b = base.applyAsLong(e);
            long s = size.applyAsLong(e);
            if (s <= 0) {
                throw new IllegalStateException(String.format("memory map entry %s has size %d, expected > 0",
                        name.apply(e), s));
            }
            if (b % BASE_ALIGNMENT != 0) {
                throw new IllegalStateException(String.format(
                        "memory map entry %s starts at 0x%x, expected a multiple of 0x%x", name.apply(e), b,
                        BASE_ALIGNMENT));
            }
            AddressRange r = AddressRange.of(b, s);
            if (previous != null) {
                AddressRange p = AddressRange.of(base.applyAsLong(previous), size.applyAsLong(previous));
                if (p.overlaps(r)) {
                    throw new IllegalStateException(String.format("memory map entries %s %s and %s %s overlap",
                            name.apply(previous), p, name.apply(e), r));
                }
            }
            previous = e;
        }
    }
}
