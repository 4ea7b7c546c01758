package dev.virtflash.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AddressSpaceTest {

    /** Records what reaches it; reads answer 0xAB in every byte. */
    static final class RecordingHandler implements MmioHandler {
        final List<String> log = new ArrayList<>();

        @Override
        public long read(long offset, int size) {
            log.add("r " + offset + "/" + size);
            return size == 8 ? 0xABABABABABABABABL : 0xABABABABABABABABL & ((1L << (8 * size)) - 1);
        }

        @Override
        public void write(long offset, int size, long value) {
            log.add("w " + offset + "/" + size + "=" + Long.toHexString(value));
        }
    }

    private HostMemory ram;
    private HostMemory flash;

    @BeforeEach
    void allocate() {
        ram = HostMemory.allocate("ram", 0x10000);
        flash = HostMemory.allocate("flash", 0x10000);
    }

    @AfterEach
    void free() {
        flash.close();
        ram.close();
    }

    @Test
    void overlapIsRejectedNamingBothRegionsAndRanges() {
        AddressSpace.Builder b = AddressSpace.builder("sys").map(0x4000_0000, new RamRegion("mach-virt.ram", ram));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.map(0x4000_FFFF, new MmioRegion("pl011", 0x1000, new RecordingHandler())));
        assertEquals("region 'pl011' [0x000000004000ffff-0x0000000040010ffe] overlaps region 'mach-virt.ram' "
                + "[0x0000000040000000-0x000000004000ffff] in address space 'sys'", e.getMessage());
    }

    @Test
    void regionAtTopOfAddressSpaceIsAllowedButNotPastIt() {
        AddressSpace.Builder b = AddressSpace.builder("sys");
        b.map(-0x10000L, new RamRegion("top", ram));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.map(-0x8000L, new RamRegion("wraps", flash)));
        assertTrue(e.getMessage().contains("wraps"), e.getMessage());
        AddressSpace s = b.build();
        s.write(GuestAddress.of(-8L), 8, 0x0102030405060708L);
        assertEquals(0x0102030405060708L, s.read(GuestAddress.of(-8L), 8));
    }

    @Test
    void routesReadsAndWritesByRegionKind() {
        RecordingHandler uart = new RecordingHandler();
        RecordingHandler flashModel = new RecordingHandler();
        RomDeviceRegion rom = new RomDeviceRegion("virt.flash0", flash, flashModel);
        AddressSpace s = AddressSpace.builder("sys")
                .map(0x4000_0000, new RamRegion("ram", ram))
                .map(0x0900_0000, new MmioRegion("pl011", 0x1000, uart))
                .map(0, rom)
                .build();

        s.write(GuestAddress.of(0x4000_0010), 4, 0xCAFEBABEL);
        assertEquals(0xCAFEBABEL, ram.load(0x10, 4));

        s.write(GuestAddress.of(0x0900_0000), 1, 'A');
        assertEquals(List.of("w 0/1=41"), uart.log);

        flash.store(0x20, 4, 0x12345678);
        assertEquals(0x12345678, s.read(GuestAddress.of(0x20), 4), "array mode reads memory");
        s.write(GuestAddress.of(0x20), 4, 0x98);
        assertEquals(List.of("w 32/4=98"), flashModel.log, "writes always go to the device");
        assertEquals(0x12345678, flash.load(0x20, 4), "the region does not write memory itself");
        rom.setRomd(false);
        assertEquals(0xABABABABL, s.read(GuestAddress.of(0x20), 4), "command mode reads the device");
    }

    @Test
    void unmappedAndStraddlingAccessesRaise() {
        AddressSpace s = AddressSpace.builder("sys").map(0x1000, new RamRegion("ram", ram)).build();
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> s.read(GuestAddress.of(0xFFF), 1));
        assertEquals(MemoryAccessException.Kind.READ, e.kind());
        assertEquals("read of 1 byte(s) at 0x0000000000000fff: no region is mapped there", e.getMessage());
        MemoryAccessException straddle = assertThrows(MemoryAccessException.class,
                () -> s.write(GuestAddress.of(0x10FFC), 8, 0));
        assertTrue(straddle.getMessage().contains("runs past the end of ram"), straddle.getMessage());
        assertNull(s.find(GuestAddress.of(0x11000)));
        assertEquals("ram", s.find(GuestAddress.of(0x10FFF)).region().name());
    }

    @Test
    void byteArrayAccessSpansRegions() {
        AddressSpace s = AddressSpace.builder("sys")
                .map(0, new RamRegion("a", ram))
                .map(0x10000, new RamRegion("b", flash))
                .build();
        byte[] src = new byte[64];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) i;
        }
        s.write(GuestAddress.of(0x10000 - 32), src);
        byte[] back = new byte[64];
        s.read(GuestAddress.of(0x10000 - 32), back);
        assertArrayEquals(src, back);
        assertEquals(32, flash.load(0, 1));
    }

    @Test
    void listenersHearMappingsInOrderThenRomdAndContentChanges() {
        RecordingHandler model = new RecordingHandler();
        RomDeviceRegion rom = new RomDeviceRegion("virt.flash1", flash, model);
        AddressSpace s = AddressSpace.builder("sys")
                .map(0x4000_0000, new RamRegion("ram", ram))
                .map(0x0400_0000, rom)
                .build();
        List<String> heard = new ArrayList<>();
        s.addListener(new AddressSpaceListener() {
            @Override
            public void regionMapped(GuestAddress base, MemoryRegion region) {
                heard.add("map " + region.name() + "@" + base);
            }

            @Override
            public void romdChanged(GuestAddress base, RomDeviceRegion region, boolean romd) {
                heard.add("romd " + romd + "@" + base);
            }

            @Override
            public void contentChanged(GuestAddress base, RomDeviceRegion region, long offset, long length) {
                heard.add("changed " + offset + "+" + length + "@" + base);
            }
        });
        rom.setRomd(false);
        rom.setRomd(false);
        rom.contentChanged(0x200, 0x40);
        rom.setRomd(true);
        assertEquals(List.of(
                "map virt.flash1@0x0000000004000000",
                "map ram@0x0000000040000000",
                "romd false@0x0000000004000000",
                "changed 512+64@0x0000000004000000",
                "romd true@0x0000000004000000"), heard);
        assertThrows(IllegalArgumentException.class, () -> rom.contentChanged(0xFFFF, 2));
    }

    @Test
    void describeLooksLikeInfoMtree() {
        RomDeviceRegion rom = new RomDeviceRegion("virt.flash0", flash, new RecordingHandler());
        AddressSpace s = AddressSpace.builder("system")
                .map(0x4000_0000, new RamRegion("mach-virt.ram", ram))
                .map(0x0900_0000, new MmioRegion("pl011", 0x1000, new RecordingHandler()))
                .map(0, rom)
                .build();
        assertEquals("address-space: system\n"
                + "  0000000000000000-000000000000ffff (prio 0, romd): virt.flash0\n"
                + "  0000000009000000-0000000009000fff (prio 0, i/o): pl011\n"
                + "  0000000040000000-000000004000ffff (prio 0, ram): mach-virt.ram\n", s.describe());
    }
}
