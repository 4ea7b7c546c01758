package dev.virtflash.guesttests;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What to boot: a payload (flash0's contents, padded to the bank size) and flash1.
 *
 * @param payload        the payload name, a resource {@code dev/virtflash/firmware/NAME.bin} of module firmware
 * @param flash1         flash1's image, or null for a fresh blank (all-zero, sparse) raw image per run
 * @param flash1Format   the format of {@code flash1} (ignored when it is null)
 * @param flash1ReadOnly whether flash1 is attached read-only ({@code readonly=on})
 * @param timeout        how long the run may take before the runner stops it
 */
public record RunSpec(String payload, Path flash1, ImageFormat flash1Format, boolean flash1ReadOnly, Duration timeout) {

    /** Long enough for every payload on a loaded 2-core machine; a payload takes well under a second on QEMU. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public RunSpec {
        if (payload == null || payload.isBlank()) {
            throw new IllegalArgumentException("payload name is empty");
        }
        if (flash1Format == null) {
            throw new IllegalArgumentException("flash1Format is null (use ImageFormat.RAW)");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    /** The payload with a fresh blank flash1 and the default timeout. */
    public static RunSpec of(String payload) {
        return new RunSpec(payload, null, ImageFormat.RAW, false, DEFAULT_TIMEOUT);
    }

    public RunSpec withFlash1(Path image, ImageFormat format) {
        return new RunSpec(payload, image, format, flash1ReadOnly, timeout);
    }

    public RunSpec readOnly() {
        return new RunSpec(payload, flash1, flash1Format, true, timeout);
    }

    public RunSpec withTimeout(Duration newTimeout) {
        return new RunSpec(payload, flash1, flash1Format, flash1ReadOnly, newTimeout);
    }
}
