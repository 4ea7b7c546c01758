package dev.virtflash.hw.pflash;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Rate limit for WARN messages caused by a guest (or by a failing image), one per device instance: at most
 * {@code burst} messages per {@code intervalNanos}; the rest are counted and the count is reported with the next
 * message that passes. Not thread-safe: a device is used by one CPU thread at a time.
 */
final class WarnLimiter {

    private final int burst;
    private final long intervalNanos;
    private final LongSupplier clock;
    private long windowStart;
    private int inWindow;
    private long suppressed;
    private boolean started;

    WarnLimiter(int burst, long intervalNanos, LongSupplier clock) {
        if (burst < 1 || intervalNanos < 1) {
            throw new IllegalArgumentException("burst " + burst + " and interval " + intervalNanos
                    + " ns, expected both >= 1");
        }
        this.burst = burst;
        this.intervalNanos = intervalNanos;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The default: 10 messages per 10 seconds, on {@link System#nanoTime()}. */
    static WarnLimiter standard() {
        return new WarnLimiter(10, 10_000_000_000L, System::nanoTime);
    }

    /**
     * Whether a message may be logged now. If not, it is counted as suppressed.
     */
    boolean tryAcquire() {
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
    long takeSuppressed() {
        long n = suppressed;
        suppressed = 0;
        return n;
    }
}
