package dev.virtflash.hw.pflash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A second geometry (bank width 2, two x8 chips, 128 KiB sectors, 8 MiB): the CFI table, erase, program and
 * buffered program, proving nothing is hard-coded to virt. QEMU 7.2's semantics, so that programs of never-erased
 * (zero) flash show their data; the AND of real NOR is {@link RealNorTest}'s.
 */
class SecondGeometryTest {

    private static final long SECTOR = 128 * Banks.KiB;

    private PflashCfi01 bank;
    private Bus bus;
    private RecordingWriteBack wb;

    @BeforeEach
    void setUp() {
        wb = new RecordingWriteBack();
        bank = Banks.build(Banks.x8Pair("pair").writeBack(wb).semantics(FlashSemantics.QEMU_7_2));
        bus = new Bus(bank);
    }

    @AfterEach
    void tearDown() throws Exception {
        bank.close();
    }

    @Test
    void derivedNumbers() {
        Geometry g = bank.geometry();
        assertEquals(8 * Banks.MiB, g.size());
        assertEquals(2, g.numDevices());
        assertEquals(64 * Banks.KiB, g.sectorLengthPerDevice());
        assertEquals(4 * Banks.MiB, g.deviceLength());
        assertEquals(4096, g.writeBufferSize(), "2 KiB per chip, two chips");
        assertEquals(0xFF, g.countMask(), "count cut to the 8-bit device width");
    }

    @Test
    void cfiTableThroughTheBus() {
        bus.w16(0, 0x9898);
        assertEquals(0x5151, bus.r16(0x20), "'Q' in both chips' lanes, index = offset >> 1");
        assertEquals(0x5252, bus.r16(0x22));
        assertEquals(0x5959, bus.r16(0x24));
        assertEquals(0x51, bus.r8(0x21), "byte lane ignored");
        assertEquals(0x1616, bus.r16(0x27 * 2), "chip size 2^22 = 4 MiB");
        assertEquals(0x0B0B, bus.r16(0x2A * 2));
        assertEquals(0x3F3F, bus.r16(0x2D * 2), "64 blocks - 1");
        assertEquals(0x0000, bus.r16(0x2E * 2));
        assertEquals(0x0000, bus.r16(0x2F * 2));
        assertEquals(0x0101, bus.r16(0x30 * 2), "64 KiB per chip block = 0x0100 * 256");
        assertEquals(0x5050, bus.r16(0x31 * 2));
        // A 4-byte read on a 2-byte bank combines two queries, the second at offset + 2 * bankWidth (QEMU).
        assertEquals(0x59595151L, bus.r32(0x20));
        assertEquals(0, bus.r16(0x52 * 2), "past the table");
        bus.w16(0, 0xFF);
        bus.w16(0, 0x9090);
        assertEquals(0x8989, bus.r16(0));
        assertEquals(0x1818, bus.r16(2));
        assertEquals(0x00008989L, bus.r32(0), "second half from offset 4: index 2, lock status 0");
        bus.w16(0, 0x7070);
        assertEquals(0x8080, bus.r16(0), "status per x8 chip");
        assertEquals(0x80808080L, bus.r32(0));
        assertEquals(0x80, bus.r8(1));
    }

    @Test
    void eraseProgramAndBufferedProgram() {
        bus.w16(SECTOR + 0x10, 0x4040);
        bus.w16(SECTOR + 0x10, 0xBEEF);
        bus.w16(0, 0xFFFF);
        bus.w16(2 * SECTOR, 0x4040);
        bus.w16(2 * SECTOR, 0xCAFE);
        bus.w16(0, 0xFFFF);
        assertEquals(0xBEEF, bus.r16(SECTOR + 0x10));

        bus.w16(SECTOR + 0x1234, 0x2020);
        bus.w16(SECTOR, 0xD0D0);
        assertEquals(0x8080, bus.r16(0));
        bus.w16(0, 0xFFFF);
        for (long off = SECTOR; off < 2 * SECTOR; off += 512) {
            assertEquals(0xFFFF, bus.r16(off), "erased at 0x" + Long.toHexString(off));
        }
        assertEquals(0xCAFE, bus.r16(2 * SECTOR), "next sector untouched");
        assertTrue(bank.region().memory().isZero(0, SECTOR), "previous sector untouched");

        // Buffered: count 0x0107 is 7 in 8 bits = 8 cycles of 2 bytes; window 4 KiB from the first data cycle.
        bus.w16(0, 0xE8E8);
        bus.w16(0, 0x0107);
        for (int i = 0; i < 8; i++) {
            bus.w16(3 * SECTOR + 0x1000 + 2 * i, 0x1100 + i);
        }
        assertEquals(WriteState.BUFFER_CONFIRM, bank.state());
        bus.w16(0, 0xD0D0);
        bus.w16(0, 0xFFFF);
        for (int i = 0; i < 8; i++) {
            assertEquals(0x1100 + i, bus.r16(3 * SECTOR + 0x1000 + 2 * i));
        }
        assertEquals(List.of(new RecordingWriteBack.Call(SECTOR, 512), new RecordingWriteBack.Call(2 * SECTOR, 512),
                new RecordingWriteBack.Call(SECTOR, SECTOR),
                new RecordingWriteBack.Call(3 * SECTOR + 0x1000, 4096)), wb.calls);
    }
}
