package dev.virtflash.virt.devices;

import static dev.virtflash.virt.devices.Pl011.FR_RXFE;
import static dev.virtflash.virt.devices.Pl011.FR_RXFF;
import static dev.virtflash.virt.devices.Pl011.FR_TXFE;
import static dev.virtflash.virt.devices.Pl011.INT_RX;
import static dev.virtflash.virt.devices.Pl011.INT_TX;
import static dev.virtflash.virt.devices.Pl011.LCR_FEN;
import static dev.virtflash.virt.devices.Pl011.UARTCR;
import static dev.virtflash.virt.devices.Pl011.UARTDMACR;
import static dev.virtflash.virt.devices.Pl011.UARTDR;
import static dev.virtflash.virt.devices.Pl011.UARTFBRD;
import static dev.virtflash.virt.devices.Pl011.UARTFR;
import static dev.virtflash.virt.devices.Pl011.UARTIBRD;
import static dev.virtflash.virt.devices.Pl011.UARTICR;
import static dev.virtflash.virt.devices.Pl011.UARTIFLS;
import static dev.virtflash.virt.devices.Pl011.UARTILPR;
import static dev.virtflash.virt.devices.Pl011.UARTIMSC;
import static dev.virtflash.virt.devices.Pl011.UARTLCR_H;
import static dev.virtflash.virt.devices.Pl011.UARTMIS;
import static dev.virtflash.virt.devices.Pl011.UARTRIS;
import static dev.virtflash.virt.devices.Pl011.UARTRSR;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Pl011Test {

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final QueueConsoleSource input = new QueueConsoleSource();
    private final List<Boolean> irqChanges = new ArrayList<>();
    private Pl011 uart;

    @BeforeEach
    void setUp() {
        uart = new Pl011(console::write, input, irqChanges::add);
    }

    private long rd(int reg) {
        return uart.read(reg, 4);
    }

    private void wr(int reg, long value) {
        uart.write(reg, 4, value);
    }

    @Test
    void resetValuesAsMeasuredOnQemu72() {
        // pl011-probe/README.md, first 23 words: DR RSR FR ILPR IBRD FBRD LCR_H CR IFLS IMSC RIS MIS ICR DMACR 0x100
        int[] offsets = {0x0, 0x4, 0x18, 0x20, 0x24, 0x28, 0x2c, 0x30, 0x34, 0x38, 0x3c, 0x40, 0x44, 0x48, 0x100};
        long[] measured = {0, 0, 0x90, 0, 0, 0, 0, 0x300, 0x12, 0, 0, 0, 0, 0, 0};
        for (int i = 0; i < offsets.length; i++) {
            assertEquals(measured[i], rd(offsets[i]), String.format("offset 0x%x", offsets[i]));
        }
        assertFalse(uart.interruptLevel());
    }

    @Test
    void primeCellIdsAsQemu() {
        long[] measured = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
        for (int i = 0; i < 8; i++) {
            assertEquals(measured[i], rd(0xFE0 + 4 * i));
        }
        assertEquals(0x11, uart.read(0xFE1, 1), "byte lanes are not decoded");
    }

    @Test
    void registersKeepAllWrittenBitsAsQemu72() {
        int[][] writes = {{UARTIBRD, 0xffffffff}, {UARTFBRD, 0xffffffff}, {UARTIFLS, 0xffffffff},
                {UARTIMSC, 0xffffffff}, {UARTDMACR, 0xfffffff0}, {UARTILPR, 0xffffffff}, {UARTCR, 0xffff0301},
                {UARTLCR_H, 0xffffff60}};
        for (int[] w : writes) {
            wr(w[0], w[1] & 0xFFFF_FFFFL);
        }
        for (int[] w : writes) {
            assertEquals(w[1] & 0xFFFF_FFFFL, rd(w[0]), String.format("offset 0x%x", w[0]));
        }
        assertEquals(0x90, uart.read(0x19, 1), "byte read inside FR returns FR's low byte");
        assertEquals(0x90, uart.read(0x1a, 2));
    }

    @Test
    void transmitGoesToTheSinkAndRaisesTx() {
        uart.write(UARTDR, 4, 0x1234_5641L);
        uart.write(UARTDR, 1, 'B');
        assertEquals("AB", console.toString());
        assertEquals(INT_TX, rd(UARTRIS));
        assertEquals(0, rd(UARTMIS));
        assertFalse(uart.interruptLevel());
        wr(UARTIMSC, INT_TX);
        assertEquals(INT_TX, rd(UARTMIS));
        assertTrue(uart.interruptLevel());
        wr(UARTICR, INT_TX);
        assertEquals(0, rd(UARTRIS));
        assertFalse(uart.interruptLevel());
        assertEquals(List.of(true, false), irqChanges);
        assertEquals(FR_TXFE | FR_RXFE, rd(UARTFR), "TXFE stays set and BUSY clear: sending is instantaneous");
    }

    @Test
    void loopbackIsNotEmulatedAsQemu72() {
        wr(UARTCR, 0x381);
        wr(UARTDR, 'L');
        assertEquals("L", console.toString());
        assertEquals(FR_TXFE | FR_RXFE, rd(UARTFR));
        wr(UARTCR, 0x3d81);
        assertEquals(FR_TXFE | FR_RXFE, rd(UARTFR));
    }

    @Test
    void receiveWithoutFifoHoldsOneByte() {
        input.offer("hi");
        assertEquals(FR_TXFE | FR_RXFF, rd(UARTFR), "one-byte holding register is full");
        assertEquals(INT_RX, rd(UARTRIS));
        assertEquals('h', rd(UARTDR));
        assertEquals(FR_TXFE | FR_RXFF, rd(UARTFR), "the next byte moved in");
        assertEquals('i', rd(UARTDR));
        assertEquals(FR_TXFE | FR_RXFE, rd(UARTFR));
        assertEquals(0, rd(UARTRIS));
        assertEquals('i', rd(UARTDR), "an empty FIFO reads its last byte again, as QEMU");
        assertEquals(0, input.pending());
    }

    @Test
    void receiveFifoOfSixteen() {
        wr(UARTLCR_H, LCR_FEN | 0x60);
        for (int i = 0; i < 20; i++) {
            input.offer(String.valueOf((char) ('a' + i)));
        }
        assertEquals(FR_TXFE | FR_RXFF, rd(UARTFR));
        assertEquals(4, input.pending(), "the rest waits in the source");
        StringBuilder got = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            got.append((char) rd(UARTDR));
        }
        assertEquals("abcdefghijklmnopqrst", got.toString());
        assertEquals(FR_TXFE | FR_RXFE, rd(UARTFR));
    }

    @Test
    void togglingFenEmptiesTheFifo() {
        wr(UARTLCR_H, LCR_FEN);
        input.offer("abc");
        uart.pollInput();
        assertEquals(FR_TXFE, rd(UARTFR));
        wr(UARTLCR_H, 0);
        assertEquals(FR_TXFE | FR_RXFE, rd(UARTFR));
    }

    @Test
    void rxInterruptFollowsTheMask() {
        wr(UARTIMSC, INT_RX);
        input.offer("x");
        uart.pollInput();
        assertTrue(uart.interruptLevel());
        assertEquals(INT_RX, rd(UARTMIS));
        rd(UARTDR);
        assertFalse(uart.interruptLevel());
        assertEquals(List.of(true, false), irqChanges);
    }

    @Test
    void rsrHoldsErrorBitsAndWriteClears() {
        wr(UARTRSR, 0xFF);
        assertEquals(0, rd(UARTRSR));
        input.offer("z");
        rd(UARTDR);
        assertEquals(0, rd(UARTRSR), "received bytes carry no error bits");
    }

    @Test
    void resetRestoresPowerOnState() {
        wr(UARTCR, 0);
        wr(UARTIMSC, INT_TX);
        wr(UARTDR, 'a');
        input.offer("q");
        uart.pollInput();
        assertTrue(uart.interruptLevel());
        uart.reset();
        assertFalse(uart.interruptLevel());
        assertEquals(0x300, rd(UARTCR));
        assertEquals(0, rd(UARTIMSC));
        assertEquals(FR_TXFE | FR_RXFE, rd(UARTFR), "the receive FIFO was emptied");
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 3})
    void badAccessSizesAreIgnored(int size) {
        wr(UARTIMSC, 0x7ff);
        assertEquals(0, uart.read(UARTIMSC, size));
        uart.write(UARTDR, size, 'x');
        assertEquals("", console.toString());
    }

    @Test
    void misalignedAccessesAreIgnored() {
        uart.write(0x31, 2, 0);
        uart.write(0x32, 4, 0);
        assertEquals(0x300, rd(UARTCR));
        assertEquals(0, uart.read(0x31, 2));
    }

    @Test
    void contractNoExceptionForAnyOffsetOrWidth() {
        SplittableRandom r = new SplittableRandom(11);
        long[] outside = {-1, Pl011.REGION_SIZE, Pl011.REGION_SIZE + 4, Long.MAX_VALUE, Long.MIN_VALUE};
        for (int size : new int[] {0, 1, 2, 3, 4, 5, 8, 16, -1}) {
            for (long off = 0; off < Pl011.REGION_SIZE; off++) {
                long o = off;
                assertDoesNotThrow(() -> uart.read(o, size));
                assertDoesNotThrow(() -> uart.write(o, size, r.nextLong()));
            }
            for (long o : outside) {
                assertDoesNotThrow(() -> uart.read(o, size));
                assertDoesNotThrow(() -> uart.write(o, size, r.nextLong()));
            }
        }
        assertDoesNotThrow(() -> uart.read(0, 4));
    }
}
