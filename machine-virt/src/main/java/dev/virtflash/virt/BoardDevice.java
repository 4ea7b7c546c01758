package dev.virtflash.virt;

import dev.virtflash.hw.block.image.Images;
import dev.virtflash.hw.pflash.PflashCfi01;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.MemoryRegion;
import dev.virtflash.memory.MmioRegion;
import dev.virtflash.memory.RamRegion;
import dev.virtflash.virt.devices.Pl011;
import dev.virtflash.virt.devices.rtc.Pl031;
import dev.virtflash.virt.fdt.FdtBuilder;
import java.io.IOException;

/**
 * What the board puts at a placed row of {@link VirtMemoryMap}: the device it creates there, the region it maps at the
 * row's base, and the device tree node it writes. {@link VirtMachine.Builder#build()} and
 * {@link VirtDeviceTree#blob()} each run one loop over {@link VirtMemoryMap#placedEntries()}, so a new device is a
 * constant here and a row in the table. Devices never learn their base address: only the row does.
 *
 * <p>A device that spans two rows (the flash node covers both banks, the GIC node its distributor and CPU interface)
 * writes its node from its first row. Each device names the {@link VirtDeviceTree.Slot} where QEMU writes its node,
 * so the tree keeps QEMU's node order.
 */
enum BoardDevice {

    /** A CFI01 flash bank (unit 0 at {@link VirtMemoryMap#FLASH0}, unit 1 at {@link VirtMemoryMap#FLASH1}). */
    FLASH_BANK(VirtDeviceTree.Slot.AFTER_TIMER) {
        @Override
        MemoryRegion create(VirtMemoryMap row, BoardAssembly a) throws IOException {
            int unit = row == VirtMemoryMap.FLASH0 ? 0 : 1;
            PflashCfi01.Builder bank = PflashCfi01.virtBank(unit == 0 ? "virt.flash0" : "virt.flash1")
                    .semantics(a.flashSemantics)
                    .sharedImages(a.sharedImages);
            if (a.imageFiles[unit] != null) {
                a.images[unit] = a.owned.push(Images.open(a.imageFiles[unit], a.imageFormats[unit],
                        a.imageReadOnly[unit]));
                bank.backend(a.images[unit]).readOnly(a.imageReadOnly[unit]);
            }
            a.banks[unit] = a.owned.push(bank.build());
            return a.banks[unit].region();
        }

        @Override
        void node(VirtMemoryMap row, VirtDeviceTree.Nodes n) {
            if (row != VirtMemoryMap.FLASH0) {
                return; // one node for both banks, as QEMU's virt_flash_fdt()
            }
            FdtBuilder fdt = n.fdt();
            fdt.beginNode("flash@" + Long.toHexString(VirtMemoryMap.FLASH0.base()));
            fdt.propertyString("compatible", "cfi-flash");
            fdt.propertyU64("reg", VirtMemoryMap.FLASH0.base(), VirtMemoryMap.FLASH0.size(),
                    VirtMemoryMap.FLASH1.base(), VirtMemoryMap.FLASH1.size());
            fdt.propertyCells("bank-width", VirtDeviceTree.FLASH_BANK_WIDTH);
            fdt.endNode();
        }
    },

    /** The GICv2 distributor; its node also describes the CPU interface. */
    GIC_DISTRIBUTOR(VirtDeviceTree.Slot.AFTER_PSCI) {
        @Override
        MemoryRegion create(VirtMemoryMap row, BoardAssembly a) {
            return new MmioRegion("gic_dist", row.size(), a.interrupts.gic().distributor());
        }

        @Override
        void node(VirtMemoryMap row, VirtDeviceTree.Nodes n) {
            FdtBuilder fdt = n.fdt();
            fdt.beginNode(VirtDeviceTree.GIC_PATH.substring(1));
            fdt.propertyCells("#interrupt-cells", 3);
            fdt.propertyEmpty("interrupt-controller");
            fdt.propertyCells("#address-cells", 2);
            fdt.propertyCells("#size-cells", 2);
            fdt.propertyEmpty("ranges");
            fdt.propertyString("compatible", "arm,cortex-a15-gic");
            fdt.propertyU64("reg", VirtMemoryMap.GIC_DIST.base(), VirtMemoryMap.GIC_DIST.size(),
                    VirtMemoryMap.GIC_CPU.base(), VirtMemoryMap.GIC_CPU.size());
            fdt.phandle(n.gicPhandle());
            fdt.endNode();
        }
    },

    /** The GICv2 CPU interface (in the distributor's node). */
    GIC_CPU_INTERFACE(VirtDeviceTree.Slot.NONE) {
        @Override
        MemoryRegion create(VirtMemoryMap row, BoardAssembly a) {
            return new MmioRegion("gic_cpu", row.size(), a.interrupts.gic().cpuInterface());
        }
    },

    /** The PL011 UART: the console. */
    UART(VirtDeviceTree.Slot.AFTER_CLOCK) {
        @Override
        MemoryRegion create(VirtMemoryMap row, BoardAssembly a) {
            a.uart = new Pl011(a.console, a.input, a.interrupts.gic().line(BoardInterrupts.irqOf(row)));
            return new MmioRegion("pl011", row.size(), a.uart);
        }

        @Override
        void node(VirtMemoryMap row, VirtDeviceTree.Nodes n) {
            FdtBuilder fdt = n.fdt();
            fdt.beginNode(VirtDeviceTree.UART_PATH.substring(1));
            fdt.propertyStrings("compatible", "arm,pl011", "arm,primecell");
            fdt.propertyU64("reg", row.base(), row.size());
            fdt.propertyCells("clocks", n.clockPhandle(), n.clockPhandle());
            fdt.propertyStrings("clock-names", "uartclk", "apb_pclk");
            fdt.propertyCells("interrupts", VirtDeviceTree.GIC_FDT_IRQ_TYPE_SPI, row.spi(),
                    VirtDeviceTree.IRQ_TYPE_LEVEL_HIGH);
            fdt.endNode();
        }
    },

    /** The PL031 real-time clock. */
    RTC(VirtDeviceTree.Slot.AFTER_CLOCK) {
        @Override
        MemoryRegion create(VirtMemoryMap row, BoardAssembly a) {
            a.rtc = Pl031.withHostClock(a.interrupts.gic().line(BoardInterrupts.irqOf(row)));
            return new MmioRegion("pl031", row.size(), a.interrupts.rtcRegisters(a.rtc));
        }

        @Override
        void node(VirtMemoryMap row, VirtDeviceTree.Nodes n) {
            FdtBuilder fdt = n.fdt();
            fdt.beginNode(VirtDeviceTree.RTC_PATH.substring(1));
            fdt.propertyStrings("compatible", "arm,pl031", "arm,primecell");
            fdt.propertyU64("reg", row.base(), row.size());
            fdt.propertyCells("interrupts", VirtDeviceTree.GIC_FDT_IRQ_TYPE_SPI, row.spi(),
                    VirtDeviceTree.IRQ_TYPE_LEVEL_HIGH);
            fdt.propertyCells("clocks", n.clockPhandle());
            fdt.propertyString("clock-names", "apb_pclk");
            fdt.endNode();
        }
    },

    /** RAM: {@code -m} bytes from the row's base. */
    RAM(VirtDeviceTree.Slot.AFTER_CHOSEN) {
        @Override
        MemoryRegion create(VirtMemoryMap row, BoardAssembly a) {
            a.ram = a.owned.push(HostMemory.allocateCpuWritable("mach-virt.ram", a.ramSize));
            return new RamRegion("mach-virt.ram", a.ram);
        }

        @Override
        void node(VirtMemoryMap row, VirtDeviceTree.Nodes n) {
            FdtBuilder fdt = n.fdt();
            fdt.beginNode("memory@" + Long.toHexString(row.base()));
            fdt.propertyString("device_type", "memory");
            fdt.propertyU64("reg", row.base(), n.ramSize());
            fdt.endNode();
        }
    };

    private final VirtDeviceTree.Slot slot;

    BoardDevice(VirtDeviceTree.Slot slot) {
        this.slot = slot;
    }

    /** Where among the board's own nodes this device's node goes (QEMU's order, which a test holds us to). */
    VirtDeviceTree.Slot slot() {
        return slot;
    }

    /**
     * Creates the device of {@code row} (what it opens goes to {@link BoardAssembly#owned}) and returns the region to
     * map at the row's base.
     */
    abstract MemoryRegion create(VirtMemoryMap row, BoardAssembly a) throws IOException;

    /** Writes the device tree node of {@code row}, if it has one of its own. */
    void node(VirtMemoryMap row, VirtDeviceTree.Nodes n) {
    }
}
