package dev.virtflash.virt.devices;

import dev.virtflash.memory.WarnLimiter;
import java.util.Objects;
import org.slf4j.Logger;

/**
 * Rate-limited WARN logging of guest mistakes for one device: at most one line per second ({@link WarnLimiter}), each
 * saying how many were suppressed since the last. Allocation-free while suppressing. Not thread-safe (one device,
 * one CPU thread).
 */
public final class GuestErrors {

    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final Logger log;
    private final String device;
    private final WarnLimiter limiter = WarnLimiter.onePer(INTERVAL_NANOS);

    /**
     * @param log    the device's logger
     * @param device the prefix of every line, e.g. {@code "gic"}
     */
    public GuestErrors(Logger log, String device) {
        this.log = Objects.requireNonNull(log, "log");
        this.device = Objects.requireNonNull(device, "device");
    }

    /** Logs a guest {@code read} or {@code write} that hit no register, unless one was logged less than 1 s ago. */
    public void badAccess(String what, long offset, int size, long value) {
        if (!log.isWarnEnabled() || !limiter.tryAcquire()) {
            return;
        }
        log.warn("{}: guest {} at offset 0x{} size {} value 0x{} is not a register access{}", device, what,
                Long.toHexString(offset), size, Long.toHexString(value), suppressedNote());
    }

    /** Logs another guest mistake described by {@code message}, rate-limited like {@link #badAccess}. */
    public void warn(String message, long value) {
        if (!log.isWarnEnabled() || !limiter.tryAcquire()) {
            return;
        }
        log.warn("{}: {} (0x{}){}", device, message, Long.toHexString(value), suppressedNote());
    }

    private String suppressedNote() {
        long suppressed = limiter.takeSuppressed();
        return suppressed > 0 ? " (" + suppressed + " more suppressed)" : "";
    }
}
