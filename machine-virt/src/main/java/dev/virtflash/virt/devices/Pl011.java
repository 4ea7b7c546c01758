package dev.virtflash.virt.devices;

import dev.virtflash.memory.MmioHandler;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Arm PrimeCell PL011 UART (TRM DDI 0183) as QEMU 7.2's {@code hw/char/pl011.c} presents it on {@code virt}.
 *
 * <p><b>Not emulated:</b> baud rate and line timing (a written byte is sent at once, so TXFE is always 1 and BUSY and
 * TXFF are always 0; the receive-timeout interrupt never fires); the transmit FIFO; the enable bits of UARTCR (a byte
 * is sent and received whatever UARTEN/TXE/RXE say); loopback (UARTCR.LBE: QEMU 7.2 ignores it too; 8.1 and later
 * loop back); break, framing, parity and overrun errors (received bytes carry no error bits); modem status lines and
 * their interrupts; IrDA; DMA (UARTDMACR only holds its value); the receive FIFO trigger level (as QEMU, the RX
 * interrupt rises when the FIFO becomes non-empty, whatever UARTIFLS says). Registers hold all 32 written bits, as
 * QEMU 7.2's do (measured), reserved bits included.
 *
 * <p>What is emulated: UARTDR (write sends to the {@link ConsoleSink}, read pops the receive FIFO), UARTRSR/ECR,
 * UARTFR (RXFE, RXFF, TXFE), UARTILPR, UARTIBRD, UARTFBRD, UARTLCR_H (FEN switches the 16-entry receive FIFO
 * and empties it, as later QEMU does),
 * UARTCR, UARTIFLS, UARTIMSC, UARTRIS, UARTMIS, UARTICR, UARTDMACR, and the PrimeCell ID registers at 0xFE0-0xFFC.
 * Received bytes come from a {@link ConsoleSource}, pulled while the FIFO has room on every register read and on
 * {@link #pollInput()}. The combined interrupt (UARTINTR) is {@code RIS & IMSC != 0}: see {@link #interruptLevel()};
 * changes are told to an {@link InterruptLine}.
 *
 * <p>Bus behaviour, as QEMU's: accesses of 1, 2 or 4 bytes reach the register containing them ({@code offset & ~3})
 * and see its low bits (byte lanes are not decoded: a byte read at 0x19 returns UARTFR's low byte); a write of 1 or
 * 2 bytes writes that value zero-extended. An 8-byte or misaligned access is a bus error on QEMU (data abort); here
 * it is logged and reads as 0. Unknown offsets read as 0 and ignore writes, logged as guest errors. Nothing throws.
 *
 * <p>Not thread-safe: all calls come from the CPU thread (the source is the thread boundary).
 */
public final class Pl011 implements MmioHandler {

    private static final Logger LOG = LoggerFactory.getLogger(Pl011.class);

    /** Size of the register window. */
    public static final int REGION_SIZE = 0x1000;

    /** Data register. */
    public static final int UARTDR = 0x000;
    /** Receive status (read) / error clear (write). */
    public static final int UARTRSR = 0x004;
    /** Flag register. */
    public static final int UARTFR = 0x018;
    /** IrDA low-power counter. */
    public static final int UARTILPR = 0x020;
    /** Integer baud rate divisor. */
    public static final int UARTIBRD = 0x024;
    /** Fractional baud rate divisor. */
    public static final int UARTFBRD = 0x028;
    /** Line control. */
    public static final int UARTLCR_H = 0x02C;
    /** Control. */
    public static final int UARTCR = 0x030;
    /** Interrupt FIFO level select. */
    public static final int UARTIFLS = 0x034;
    /** Interrupt mask set/clear. */
    public static final int UARTIMSC = 0x038;
    /** Raw interrupt status. */
    public static final int UARTRIS = 0x03C;
    /** Masked interrupt status. */
    public static final int UARTMIS = 0x040;
    /** Interrupt clear (write only). */
    public static final int UARTICR = 0x044;
    /** DMA control. */
    public static final int UARTDMACR = 0x048;
    /** First PrimeCell ID register (UARTPeriphID0); eight words to 0xFFC. */
    public static final int UARTPERIPHID0 = 0xFE0;

    /** UARTFR: transmit FIFO empty. */
    public static final int FR_TXFE = 1 << 7;
    /** UARTFR: receive FIFO full. */
    public static final int FR_RXFF = 1 << 6;
    /** UARTFR: transmit FIFO full (never set: sending is instantaneous). */
    public static final int FR_TXFF = 1 << 5;
    /** UARTFR: receive FIFO empty. */
    public static final int FR_RXFE = 1 << 4;
    /** UARTFR: UART busy transmitting (never set: sending is instantaneous). */
    public static final int FR_BUSY = 1 << 3;

    /** Interrupt bit: transmit. */
    public static final int INT_TX = 1 << 5;
    /** Interrupt bit: receive. */
    public static final int INT_RX = 1 << 4;

    /** UARTLCR_H: FIFO enable. */
    public static final int LCR_FEN = 1 << 4;

    /** UARTCR after reset: TXE and RXE set. */
    public static final int CR_RESET = 0x300;
    /** UARTIFLS after reset: both FIFOs at half. */
    public static final int IFLS_RESET = 0x12;

    /** Receive FIFO depth with FEN set (1 without). */
    public static final int FIFO_DEPTH = 16;

    /** The ID bytes QEMU's "pl011" returns at 0xFE0-0xFFC: PeriphID0-3 (PL011 r1p5), PCellID0-3. */
    private static final int[] ID = {0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1};

    private final ConsoleSink tx;
    private final ConsoleSource rx;
    private final InterruptLine irq;
    private final GuestErrors guestErrors = new GuestErrors(LOG, "pl011");

    private final int[] rxFifo = new int[FIFO_DEPTH];
    private int rxPos;
    private int rxCount;
    private int rsr;
    private int ilpr;
    private int ibrd;
    private int fbrd;
    private int lcr;
    private int cr;
    private int ifls;
    private int imsc;
    private int ris;
    private int dmacr;
    private boolean lineLevel;

    /**
     * @param tx  where written bytes go
     * @param rx  where received bytes come from
     * @param irq the combined interrupt output (UARTINTR)
     */
    public Pl011(ConsoleSink tx, ConsoleSource rx, InterruptLine irq) {
        this.tx = Objects.requireNonNull(tx, "tx");
        this.rx = Objects.requireNonNull(rx, "rx");
        this.irq = Objects.requireNonNull(irq, "irq");
        reset();
    }

    /** The register state after a power-on or system reset; the receive FIFO is emptied. */
    public void reset() {
        rxPos = 0;
        rxCount = 0;
        rsr = 0;
        ilpr = 0;
        ibrd = 0;
        fbrd = 0;
        lcr = 0;
        cr = CR_RESET;
        ifls = IFLS_RESET;
        imsc = 0;
        ris = 0;
        dmacr = 0;
        updateInterrupt();
    }

    /** The combined interrupt output: some raw interrupt is pending and unmasked. */
    public boolean interruptLevel() {
        return (ris & imsc) != 0;
    }

    /** Moves waiting bytes from the source into the receive FIFO while it has room; the board may call it at will. */
    public void pollInput() {
        while (rxCount < fifoDepth()) {
            int b = rx.poll();
            if (b == ConsoleSource.NO_INPUT) {
                return;
            }
            pushRx(b & 0xFF);
        }
    }

    @Override
    public long read(long offset, int size) {
        if (!validAccess(offset, size)) {
            guestErrors.badAccess("read", offset, size, 0);
            return 0;
        }
        pollInput();
        int value = readRegister((int) (offset & ~3L));
        long result = value & mask(size);
        if (LOG.isTraceEnabled()) {
            LOG.trace("pl011 read  0x{} size {} -> 0x{}", Long.toHexString(offset), size, Long.toHexString(result));
        }
        return result;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (LOG.isTraceEnabled()) {
            LOG.trace("pl011 write 0x{} size {} <- 0x{}", Long.toHexString(offset), size, Long.toHexString(value));
        }
        if (!validAccess(offset, size)) {
            guestErrors.badAccess("write", offset, size, value);
            return;
        }
        writeRegister((int) (offset & ~3L), (int) (value & mask(size)), offset, size);
    }

    private int readRegister(int reg) {
        switch (reg) {
            case UARTDR:
                return popRx();
            case UARTRSR:
                return rsr;
            case UARTFR:
                return flags();
            case UARTILPR:
                return ilpr;
            case UARTIBRD:
                return ibrd;
            case UARTFBRD:
                return fbrd;
            case UARTLCR_H:
                return lcr;
            case UARTCR:
                return cr;
            case UARTIFLS:
                return ifls;
            case UARTIMSC:
                return imsc;
            case UARTRIS:
                return ris;
            case UARTMIS:
                return ris & imsc;
            case UARTDMACR:
                return dmacr;
            default:
                if (reg >= UARTPERIPHID0 && reg < REGION_SIZE) {
                    return ID[(reg - UARTPERIPHID0) >> 2];
                }
                guestErrors.badAccess("read", reg, 4, 0);
                return 0;
        }
    }

    private void writeRegister(int reg, int value, long offset, int size) {
        switch (reg) {
            case UARTDR:
                tx.put(value & 0xFF);
                ris |= INT_TX;
                updateInterrupt();
                break;
            case UARTRSR:
                rsr = 0;
                break;
            case UARTFR:
                break; // read-only; QEMU ignores writes silently
            case UARTILPR:
                ilpr = value;
                break;
            case UARTIBRD:
                ibrd = value;
                break;
            case UARTFBRD:
                fbrd = value;
                break;
            case UARTLCR_H:
                if (((lcr ^ value) & LCR_FEN) != 0) {
                    rxPos = 0;
                    rxCount = 0;
                    LOG.debug("pl011 FIFO {}", (value & LCR_FEN) != 0 ? "enabled" : "disabled");
                }
                lcr = value;
                break;
            case UARTCR:
                cr = value;
                break;
            case UARTIFLS:
                ifls = value;
                break;
            case UARTIMSC:
                imsc = value;
                updateInterrupt();
                break;
            case UARTICR:
                ris &= ~value;
                updateInterrupt();
                break;
            case UARTDMACR:
                dmacr = value;
                if ((value & 3) != 0) {
                    LOG.debug("pl011: DMA enabled by the guest (UARTDMACR 0x{}); DMA is not emulated",
                            Integer.toHexString(value));
                }
                break;
            default:
                guestErrors.badAccess("write", offset, size, value);
        }
    }

    private int flags() {
        int fr = FR_TXFE;
        if (rxCount == 0) {
            fr |= FR_RXFE;
        }
        if (rxCount == fifoDepth()) {
            fr |= FR_RXFF;
        }
        return fr;
    }

    private int fifoDepth() {
        return (lcr & LCR_FEN) != 0 ? FIFO_DEPTH : 1;
    }

    private void pushRx(int b) {
        int slot = (rxPos + rxCount) & (fifoDepth() - 1);
        rxFifo[slot] = b;
        rxCount++;
        if (rxCount == 1) { // QEMU's read trigger is 1: the RX interrupt rises as the FIFO becomes non-empty
            ris |= INT_RX;
            updateInterrupt();
        }
    }

    // As QEMU: an empty FIFO reads the slot under the read position again (the last byte), and sets no state.
    private int popRx() {
        int c = rxFifo[rxPos];
        if (rxCount > 0) {
            rxCount--;
            rxPos = (rxPos + 1) & (fifoDepth() - 1);
        }
        if (rxCount == 0) {
            ris &= ~INT_RX;
        }
        rsr = c >> 8;
        updateInterrupt();
        pollInput();
        return c;
    }

    private void updateInterrupt() {
        boolean level = interruptLevel();
        if (level != lineLevel) {
            lineLevel = level;
            irq.set(level);
        }
    }

    private static boolean validAccess(long offset, int size) {
        return (size == 1 || size == 2 || size == 4) && offset >= 0 && offset < REGION_SIZE
                && (offset & (size - 1)) == 0;
    }

    private static long mask(int size) {
        return size == 4 ? 0xFFFF_FFFFL : (1L << (size * 8)) - 1;
    }
}
