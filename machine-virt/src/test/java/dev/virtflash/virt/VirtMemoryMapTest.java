package dev.virtflash.virt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.AddressRange;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtMemoryMapTest {

    private record Entry(String name, long base, long size) {
    }

    private static void check(Entry... entries) {
        VirtMemoryMap.requireValidLayout(Arrays.asList(entries), Entry::name, Entry::base, Entry::size);
    }

    @Test
    void tableHasNoOverlapsAndAlignedBases() {
        VirtMemoryMap.requireValidLayout(Arrays.asList(VirtMemoryMap.values()));
        VirtMemoryMap[] all = VirtMemoryMap.values();
        for (int i = 0; i < all.length; i++) {
            assertEquals(0, all[i].base() % VirtMemoryMap.BASE_ALIGNMENT, all[i].name());
            for (int j = i + 1; j < all.length; j++) {
                assertTrue(!all[i].range().overlaps(all[j].range()), all[i] + " overlaps " + all[j]);
            }
        }
    }

    @Test
    void theCheckCatchesOverlapMisalignmentAndEmptyEntries() {
        IllegalStateException overlap = assertThrows(IllegalStateException.class,
                () -> check(new Entry("B", 0x2_0000, 0x1_0000), new Entry("A", 0, 0x2_0001)));
        assertTrue(overlap.getMessage().contains("A") && overlap.getMessage().contains("B")
                && overlap.getMessage().contains("overlap"), overlap.getMessage());
        IllegalStateException align = assertThrows(IllegalStateException.class,
                () -> check(new Entry("U", 0x900_1000, 0x1000)));
        assertTrue(align.getMessage().contains("0x9001000"), align.getMessage());
        assertThrows(IllegalStateException.class, () -> check(new Entry("Z", 0, 0)));
        // Touching is fine.
        check(new Entry("A", 0, 0x1_0000), new Entry("B", 0x1_0000, 0x1_0000));
    }

    @Test
    void valuesOfSpecSection32() {
        assertEquals(AddressRange.of(0, 0x400_0000), VirtMemoryMap.FLASH0.range());
        assertEquals(AddressRange.of(0x400_0000, 0x400_0000), VirtMemoryMap.FLASH1.range());
        assertEquals(AddressRange.of(0x900_0000, 0x1000), VirtMemoryMap.UART.range());
        assertEquals(1, VirtMemoryMap.UART.spi());
        assertEquals(2, VirtMemoryMap.RTC.spi());
        assertEquals(0x4000_0000L, VirtMemoryMap.RAM.base());
        assertEquals(0x900_0000L, VirtMemoryMap.GIC_REDIST.base() + VirtMemoryMap.GIC_REDIST.size());
        assertEquals(0x1000_0000L + 0x2EFF_0000L, VirtMemoryMap.PCIE_PIO.base());
        assertEquals(VirtMemoryMap.NO_SPI, VirtMemoryMap.FLASH0.spi());
    }

    @Test
    void onlyTheDevicesWeHaveArePlaced() {
        // The GIC and the RTC are placed too (the table said otherwise until issue 14); the board's real address
        // space is compared with the table and with QEMU's device tree in fdt.QemuDtbComparisonTest.
        assertEquals(List.of(VirtMemoryMap.FLASH0, VirtMemoryMap.FLASH1, VirtMemoryMap.GIC_DIST, VirtMemoryMap.GIC_CPU,
                VirtMemoryMap.UART, VirtMemoryMap.RTC, VirtMemoryMap.RAM), VirtMemoryMap.placedEntries());
    }

    @Test
    void virtioTransports() {
        assertEquals(AddressRange.of(0xA00_0000L, 0x200), VirtMemoryMap.virtioTransport(0));
        assertEquals(AddressRange.of(0xA00_3E00L, 0x200), VirtMemoryMap.virtioTransport(31));
        assertThrows(IllegalArgumentException.class, () -> VirtMemoryMap.virtioTransport(32));
        assertThrows(IllegalArgumentException.class, () -> VirtMemoryMap.virtioTransport(-1));
    }
}
