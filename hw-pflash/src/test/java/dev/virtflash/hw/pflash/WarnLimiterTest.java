package dev.virtflash.hw.pflash;

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
}
