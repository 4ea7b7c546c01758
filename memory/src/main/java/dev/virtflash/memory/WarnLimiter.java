package dev.virtflash.memory;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Rate limit for WARN messages caused by a guest (or by a failing image), one per device instance: at most
 * {@code burst} messages per {@code intervalNanos}; the rest are counted and the count is reported with the next
 * message that passes. Here because every device module depends on this one (devices implement {@link MmioHandler}),
 * and every device rate-limits the WARN lines a guest can cause. Not thread-safe: a device is used by one CPU thread
 * at a time.
 */
public final class WarnLimiter {

    private final int burst;
    private final long intervalNanos;
    private final LongSupplier clock;
    private long windowStart;
    private int inWindow;
    private long suppressed;
    private boolean started;

    /**
     * @param burst         messages that may pass per interval (at least 1)
     * @param intervalNanos the interval; it starts with the first message that passes after the previous one ended
     * @param clock         nanoseconds, e.g. {@code System::nanoTime}
     */
    public WarnLimiter(int burst, long intervalNanos, LongSupplier clock) {
        if (burst < 1 || intervalNanos < 1) {
            throw new IllegalArgumentException("burst " + burst + " and interval " + intervalNanos
                    + " ns, expected both >= 1");
        }
        this.burst = burst;
        this.intervalNanos = intervalNanos;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The default: 10 messages per 10 seconds, on {@link System#nanoTime()}. */
    public static WarnLimiter standard() {
        return new WarnLimiter(10, 10_000_000_000L, System::nanoTime);
    }

    /** At most one message per {@code intervalNanos} on {@link System#nanoTime()}. */
    public static WarnLimiter onePer(long intervalNanos) {
        return new WarnLimiter(1, intervalNanos, System::nanoTime);
    }

    /**
     * Whether a message may be logged now. If not, it is counted as suppressed.
     */
    public boolean tryAcquire() {
        long now = clock.getAsLong();
        if (!started || now - windowStart >= intervalNanos) {
            started = true;
            windowStart = now;
            inWindow = 0;
        }
        if (inWindow < burst) {
            inWindow++;
            return true;
        }
        suppressed++;
        return false;
    }

    /** Messages suppressed since the last call; resets the count. */
    public long takeSuppressed() {
        long n = suppressed;
        suppressed = 0;
        return n;
    }

    /**
     * {@link #takeSuppressed()} as the end of the message that passed: {@code " (N similar messages suppressed)"}, or
     * nothing if none were.
     */
    public String suppressedNote() {
        long more = takeSuppressed();
        return more == 0 ? "" : " (" + more + " similar messages suppressed)";
    }
}
