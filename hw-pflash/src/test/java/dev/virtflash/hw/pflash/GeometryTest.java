package dev.virtflash.hw.pflash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Builder validation and the CFI table derived from the geometry. */
class GeometryTest {

    /** Spec §1.7, index by index: the oracle for the virt derivation. */
    private static final int[] VIRT_CFI = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x51, 0x52, 0x59, 0x01, 0x00, 0x31, 0x00, 0, 0, 0, 0, 0x45, 0x55, 0, 0, 0x07,
        0x07, 0x0A, 0x00, 0x04, 0x04, 0x04, 0x00, 0x19, 0x02, 0x00, 0x0B, 0x00, 0x01, 0xFF, 0x00, 0x00,
        0x02, 'P', 'R', 'I', '1', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    @Test
    void virtTableMatchesTheSpecIndexByIndex() {
        Geometry g = Geometry.of("virt.flash0", 256 * 1024, 256, 4, 2, 0, 0x89, 0x18, 0, 0);
        byte[] expected = new byte[VIRT_CFI.length];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) VIRT_CFI[i];
        }
        assertEquals(CfiQueryTable.LENGTH, expected.length);
        assertArrayEquals(expected, CfiQueryTable.derive(g).toArray());
        assertEquals(64L << 20, g.size());
        assertEquals(2, g.numDevices());
        assertEquals(4096, g.writeBufferSize());
        assertEquals(0xFFFF, g.countMask());
        assertEquals(2, g.maxDeviceWidth(), "max-device-width defaults to device-width");
        assertEquals(2, g.queryShift());
    }

    @Test
    void virtPresetIsSpecSectionOneOne() throws Exception {
        try (PflashCfi01 bank = PflashCfi01.virtBank("virt.flash0").build()) {
            assertEquals(new Geometry(256 * 1024, 256, 4, 2, 2, 0x89, 0x18, 0, 0), bank.geometry());
            assertEquals("virt.flash0", bank.region().name());
            assertEquals(64L << 20, bank.region().size());
        }
    }

    @Test
    void tableFollowsTheGeometry() {
        // 8 MiB of one x16 chip on a 16-bit bus, 64 KiB blocks.
        CfiQueryTable t = CfiQueryTable.derive(Geometry.of("x16", 64 * 1024, 128, 2, 2, 0, 1, 2, 0, 0));
        assertEquals(23, t.get(CfiQueryTable.DEVICE_SIZE));
        assertEquals(0x7F, t.get(CfiQueryTable.ERASE_REGION_1));
        assertEquals(0x00, t.get(CfiQueryTable.ERASE_REGION_1 + 1));
        assertEquals(0x00, t.get(CfiQueryTable.ERASE_REGION_1 + 2));
        assertEquals(0x01, t.get(CfiQueryTable.ERASE_REGION_1 + 3));
        // 4096 blocks need the high byte of the count.
        CfiQueryTable big = CfiQueryTable.derive(Geometry.of("big", 4096, 4096, 1, 1, 0, 0, 0, 0, 0));
        assertEquals(0xFF, big.get(CfiQueryTable.ERASE_REGION_1));
        assertEquals(0x0F, big.get(CfiQueryTable.ERASE_REGION_1 + 1));
        assertEquals(0x08, big.get(CfiQueryTable.WRITE_BUFFER_SIZE), "byte-wide bank: 256-byte buffer");
        assertEquals(0, big.get(0x52));
        assertEquals(0, big.get(-1));
    }

    @Test
    void wideChipInByteModeRepeatsTheQueryByte() throws Exception {
        // Four x16 chips used in x8 mode on a 32-bit bus (QEMU's width=4, device-width=1, max-device-width=2).
        try (PflashCfi01 bank = Banks.build(PflashCfi01.builder().name("x8of16").sectorLength(256 * 1024)
                .numBlocks(16).bankWidth(4).deviceWidth(1).maxDeviceWidth(2).ids(0x89, 0x18, 0, 0))) {
            Bus bus = new Bus(bank);
            assertEquals(3, bank.geometry().queryShift());
            bus.w32(0, 0x98);
            assertEquals(0x51515151L, bus.r32(0x10 << 3), "'Q' at CFI address 0x10 in x16 units");
            assertEquals(0x52525252L, bus.r32(0x11 << 3));
            bus.w32(0, 0xFF);
            bus.w32(0, 0x90);
            assertEquals(0x89898989L, bus.r32(0), "ID is replicated per chip, not across the native width");
        }
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.bankWidth(3),
                        "pflash 'virt.flash0': width (bank width) 3, expected 1, 2 or 4"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.bankWidth(8),
                        "pflash 'virt.flash0': width (bank width) 8, expected 1, 2 or 4"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.deviceWidth(3),
                        "pflash 'virt.flash0': device-width 3, expected 0 (legacy), 1, 2 or 4"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.bankWidth(2).deviceWidth(4),
                        "pflash 'virt.flash0': device-width 4 is wider than the bank width 2"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.maxDeviceWidth(4),
                        "pflash 'virt.flash0': max-device-width 4 with device-width 2, expected device-width 1 "
                                + "(only wide chips in x8 mode are modelled)"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.deviceWidth(0).maxDeviceWidth(2),
                        "pflash 'virt.flash0': max-device-width 2 needs a device-width, expected 0 in legacy mode"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.numBlocks(0),
                        "pflash 'virt.flash0': num-blocks 0, expected 1 to 65536"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.numBlocks(65537),
                        "pflash 'virt.flash0': num-blocks 65537, expected 1 to 65536"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.sectorLength(0),
                        "pflash 'virt.flash0': sector-length 0, expected a power of two of at least 4096 "
                                + "(the write-buffer window)"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.sectorLength(3 * 65536),
                        "pflash 'virt.flash0': sector-length 196608, expected a power of two of at least 4096 "
                                + "(the write-buffer window)"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.sectorLength(2048),
                        "pflash 'virt.flash0': sector-length 2048, expected a power of two of at least 4096 "
                                + "(the write-buffer window)"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.sectorLength(32L << 20).numBlocks(2),
                        "pflash 'virt.flash0': sector-length 33554432 is 16777216 bytes per device, expected at "
                                + "most 16776960 (CFI erase region limit)"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.sectorLength(8L << 20).numBlocks(256),
                        "pflash 'virt.flash0': size 8388608 x 256 blocks exceeds 2147483136 bytes"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.ids(0x10000, 0, 0, 0),
                        "pflash 'virt.flash0': id0 65536, expected 0 to 0xFFFF"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.ids(0, 0, 0, -1),
                        "pflash 'virt.flash0': id3 -1, expected 0 to 0xFFFF"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.bigEndian(true),
                        "pflash 'virt.flash0': big-endian is not supported, expected off"),
                Arguments.of((UnaryOperator<PflashCfi01.Builder>) b -> b.name(" "),
                        "pflash: name is required"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("refused")
    void builderRefusesWithOneLineNamingTheValue(UnaryOperator<PflashCfi01.Builder> change, String message) {
        PflashCfi01.Builder b = change.apply(PflashCfi01.virtBank("virt.flash0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertEquals(message, e.getMessage());
    }

    @Test
    void builderRequiresAName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PflashCfi01.builder().sectorLength(4096).numBlocks(1).bankWidth(1).build());
        assertEquals("pflash: name is required", e.getMessage());
    }

    @Test
    void defaultsAreQemusLegacyMode() throws Exception {
        try (PflashCfi01 bank = PflashCfi01.builder().name("plain").sectorLength(64 * 1024).numBlocks(4)
                .bankWidth(4).build()) {
            assertEquals(new Geometry(64 * 1024, 4, 4, 0, 0, 0, 0, 0, 0), bank.geometry());
            assertEquals(true, bank.geometry().legacy());
            assertEquals(0xFFFF_FFFFL, bank.geometry().countMask(), "legacy: count cut to the bank width");
        }
    }
}
