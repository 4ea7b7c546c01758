package dev.virtflash.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WarnLimiterTest {

    @Test
    void burstThenSuppressedUntilTheNextWindow() {
        AtomicLong now = new AtomicLong(1_000);
        WarnLimiter limiter = new WarnLimiter(3, 100, now::get);
        assertTrue(limiter.tryAcquire());
        assertTrue(limiter.tryAcquire());
        assertTrue(limiter.tryAcquire());
        assertFalse(limiter.tryAcquire());
        assertFalse(limiter.tryAcquire());
        now.addAndGet(99);
        assertFalse(limiter.tryAcquire());
        now.addAndGet(1);
        assertTrue(limiter.tryAcquire(), "a new window");
        assertEquals(3, limiter.takeSuppressed());
        assertEquals(0, limiter.takeSuppressed(), "the count resets once reported");
    }

    @Test
    void onePerIntervalCountsFromTheLastMessageThatPassed() {
        AtomicLong now = new AtomicLong(5);
        WarnLimiter limiter = new WarnLimiter(1, 1000, now::get);
        assertTrue(limiter.tryAcquire());
        now.addAndGet(999);
        assertFalse(limiter.tryAcquire());
        assertFalse(limiter.tryAcquire());
        now.addAndGet(1);
        assertTrue(limiter.tryAcquire());
        assertEquals(" (2 similar messages suppressed)", limiter.suppressedNote());
        assertEquals("", limiter.suppressedNote());
        now.addAndGet(1500);
        assertTrue(limiter.tryAcquire(), "a quiet guest's next message passes at once");
        assertFalse(limiter.tryAcquire());
    }
}
