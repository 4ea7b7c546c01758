package dev.virtflash.virt.devices.rtc;

import dev.virtflash.memory.MmioHandler;
import dev.virtflash.virt.devices.GuestErrors;
import dev.virtflash.virt.devices.InterruptLine;
import dev.virtflash.virt.devices.Mmio64;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Arm PrimeCell PL031 real-time clock (TRM DDI 0224) as QEMU 7.2's {@code hw/rtc/pl031.c} presents it on
 * {@code virt}: a 32-bit seconds counter that starts at the host's wall-clock time and then runs with a host
 * monotonic clock.
 *
 * <p><b>Not emulated:</b> stopping the counter (RTCCR always reads 1 and ignores writes, as QEMU); the RTC clock
 * input and its 1 Hz divider (the counter is derived from a nanosecond clock, so a second boundary falls wherever the
 * start time put it); the test registers; QEMU's RTC-change QMP event; a reset (like QEMU's, this device registers no
 * reset: the time, match value and interrupt state survive a machine reset). The alarm is not driven by a thread:
 * it fires when an access or {@link #checkAlarm()} finds its time passed, and the board asks
 * {@link #alarmDeadlineNanos()} when to call {@link #checkAlarm()} (for example before sleeping in WFI).
 *
 * <p><b>Emulated:</b> RTCDR (seconds = start time + elapsed), RTCMR (writing it arms the alarm: it fires (RTCMR - RTCDR) seconds after the
 * write, counted modulo 2^32 as QEMU does, so at once when they are equal and after a wrap when the match is
 * behind; like QEMU's, the alarm is not aligned to the counter's second boundary), RTCLR (writing it sets the counter; it reads back the last value
 * written), RTCCR, RTCIMSC (bit 0), RTCRIS, RTCMIS, RTCICR and the PrimeCell IDs 0x31 0x10 0x14 0x00 0x0D 0xF0 0x05
 * 0xB1 at 0xFE0-0xFFC. The interrupt output is RTCRIS &amp; RTCIMSC, told to an {@link InterruptLine} on change.
 *
 * <p>Bus behaviour, as QEMU's: registers are decoded at their exact offset (an access of 1, 2 or 4 bytes there sees
 * the register's low bits; a byte read at 0x01 is a bad offset); any byte of 0xFE0-0xFFF reads the ID of its word;
 * an 8-byte access is two 4-byte accesses. Reads of RTCICR, writes to RTCDR/RTCRIS/RTCMIS and unknown offsets are
 * logged as guest errors (reads give 0). Nothing throws for a guest access.
 *
 * <p>Not thread-safe: every call comes from the CPU thread, like every other device of the board.
 */
public final class Pl031 implements MmioHandler {

    private static final Logger LOG = LoggerFactory.getLogger(Pl031.class);

    /** Size of the register window. */
    public static final int REGION_SIZE = 0x1000;

    /** Data register: the current count in seconds (read-only). */
    public static final int RTCDR = 0x00;
    /** Match register. */
    public static final int RTCMR = 0x04;
    /** Load register: writing sets the count. */
    public static final int RTCLR = 0x08;
    /** Control register: always 1 (started). */
    public static final int RTCCR = 0x0C;
    /** Interrupt mask set/clear (bit 0). */
    public static final int RTCIMSC = 0x10;
    /** Raw interrupt status (read-only). */
    public static final int RTCRIS = 0x14;
    /** Masked interrupt status (read-only). */
    public static final int RTCMIS = 0x18;
    /** Interrupt clear (write-only). */
    public static final int RTCICR = 0x1C;
    /** First PrimeCell ID register (RTCPeriphID0); eight words to 0xFFC. */
    public static final int RTCPERIPHID0 = 0xFE0;

    private static final int[] ID_BYTES = {0x31, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1};
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** {@link #alarmDeadlineNanos()} when no alarm is armed. */
    public static final long NO_ALARM = Long.MAX_VALUE;

    private final GuestErrors guestErrors = new GuestErrors(LOG, "pl031");
    private final LongSupplier clock;
    private final InterruptLine irq;

    /** Counter = tickOffset + clock / 1 s, modulo 2^32 (QEMU's {@code tick_offset}). */
    private int tickOffset;
    private int match;
    private int load;
    private int mask;
    private int rawStatus;
    private long alarmAt = NO_ALARM;
    private boolean level;

    /**
     * An RTC reading {@code startEpochSeconds} now and then advancing with {@code monotonicNanos}.
     *
     * @param monotonicNanos    a monotonic nanosecond clock (for example {@code System::nanoTime})
     * @param startEpochSeconds the count at construction (seconds since 1970, as the host's wall clock)
     * @param irq               the interrupt output (SPI 2 = GIC ID 34 on {@code virt})
     */
    public Pl031(LongSupplier monotonicNanos, long startEpochSeconds, InterruptLine irq) {
        this.clock = Objects.requireNonNull(monotonicNanos, "monotonicNanos");
        this.irq = Objects.requireNonNull(irq, "irq");
        this.tickOffset = (int) (startEpochSeconds - monotonicNanos.getAsLong() / NANOS_PER_SECOND);
    }

    /** An RTC starting at the host's wall-clock time and running with {@link System#nanoTime()}. */
    public static Pl031 withHostClock(InterruptLine irq) {
        return new Pl031(System::nanoTime, Instant.now().getEpochSecond(), irq);
    }

    /** The counter (RTCDR) as an unsigned 32-bit value. */
    public long count() {
        return Integer.toUnsignedLong(countAt(clock.getAsLong()));
    }

    private int countAt(long nanos) {
        return tickOffset + (int) (nanos / NANOS_PER_SECOND);
    }

    /** The level of the interrupt output (RTCMIS != 0), after firing a due alarm. */
    public boolean interruptLevel() {
        checkAlarm();
        return level;
    }

    /** When the armed alarm fires, on the monotonic clock, or {@link #NO_ALARM}. */
    public long alarmDeadlineNanos() {
        return alarmAt;
    }

    /** Fires the alarm if its time has come (sets RTCRIS and updates the interrupt output). */
    public void checkAlarm() {
        if (alarmAt != NO_ALARM && clock.getAsLong() - alarmAt >= 0) {
            alarmAt = NO_ALARM;
            raise();
        }
    }

    @Override
    public long read(long offset, int size) {
        if (size == 8) {
            return Mmio64.read(this, offset);
        }
        checkAlarm();
        long value;
        if (!(size == 1 || size == 2 || size == 4) || offset < 0 || offset >= REGION_SIZE) {
            guestErrors.badAccess("read", offset, size, 0);
            return 0;
        }
        if (offset == RTCDR) {
            value = count();
        } else if (offset == RTCMR) {
            value = Integer.toUnsignedLong(match);
        } else if (offset == RTCLR) {
            value = Integer.toUnsignedLong(load);
        } else if (offset == RTCCR) {
            value = 1;
        } else if (offset == RTCIMSC) {
            value = mask;
        } else if (offset == RTCRIS) {
            value = rawStatus;
        } else if (offset == RTCMIS) {
            value = rawStatus & mask;
        } else if (offset >= RTCPERIPHID0) {
            value = ID_BYTES[(int) (offset - RTCPERIPHID0) >> 2];
        } else {
            guestErrors.badAccess("read", offset, size, 0); // RTCICR is write-only; the rest is no register
            value = 0;
        }
        value &= size == 4 ? 0xFFFF_FFFFL : (1L << (8 * size)) - 1;
        if (LOG.isTraceEnabled()) {
            LOG.trace("pl031: read 0x{} size {} -> 0x{}", Long.toHexString(offset), size, Long.toHexString(value));
        }
        return value;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (size == 8) {
            Mmio64.write(this, offset, value);
            return;
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("pl031: write 0x{} size {} value 0x{}", Long.toHexString(offset), size, Long.toHexString(value));
        }
        checkAlarm();
        if (!(size == 1 || size == 2 || size == 4) || offset < 0 || offset >= REGION_SIZE) {
            guestErrors.badAccess("write", offset, size, value);
            return;
        }
        int v = (int) (size == 4 ? value : value & ((1L << (8 * size)) - 1));
        if (offset == RTCLR) {
            long now = clock.getAsLong();
            tickOffset += v - countAt(now);
            load = v;
            if (LOG.isDebugEnabled()) {
                LOG.debug("pl031: counter loaded with {}", Integer.toUnsignedLong(v));
            }
            setAlarm(now);
        } else if (offset == RTCMR) {
            match = v;
            setAlarm(clock.getAsLong());
        } else if (offset == RTCIMSC) {
            mask = v & 1;
            updateLine();
        } else if (offset == RTCICR) {
            rawStatus &= ~v;
            updateLine();
        } else if (offset == RTCCR) {
            return; // the RTC is permanently started; the value is ignored
        } else {
            guestErrors.badAccess("write", offset, size, value); // DR, RIS, MIS, IDs are read-only
        }
    }

    private void setAlarm(long now) {
        int ticks = match - countAt(now); // wraps like the counter
        if (ticks == 0) {
            alarmAt = NO_ALARM;
            raise();
        } else {
            alarmAt = now + Integer.toUnsignedLong(ticks) * NANOS_PER_SECOND;
            if (LOG.isDebugEnabled()) {
                LOG.debug("pl031: alarm in {} s", Integer.toUnsignedLong(ticks));
            }
        }
    }

    private void raise() {
        rawStatus = 1;
        LOG.debug("pl031: alarm raised");
        updateLine();
    }

    private void updateLine() {
        boolean newLevel = (rawStatus & mask) != 0;
        if (newLevel != level) {
            level = newLevel;
            irq.set(newLevel);
        }
    }
}
