package dev.virtflash.guesttests;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What to boot: a payload (flash0's contents, padded to the bank size) and flash1.
 *
 * @param payload        the payload name, a resource {@code dev/virtflash/firmware/NAME.bin} of module firmware
 * @param flash0         where to write flash0's image (the payload, sparse to the bank size) and leave it after the
 *                       run for host-side checks, or null for a temporary file deleted after the run
 * @param flash1         flash1's image, or null for a fresh blank (all-zero, sparse) raw image per run
 * @param flash1Format   the format of {@code flash1} (ignored when it is null)
 * @param flash1ReadOnly whether flash1 is attached read-only ({@code readonly=on})
 * @param noFlash1       no drive for flash1 at all: the bank is zero-filled RAM, writable, never saved
 * @param timeout        how long the run may take before the runner stops it
 */
public record RunSpec(String payload, Path flash0, Path flash1, ImageFormat flash1Format, boolean flash1ReadOnly,
                      boolean noFlash1, Duration timeout) {

    /** Long enough for every payload on a loaded 2-core machine; a payload takes well under a second on QEMU. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public RunSpec {
        if (payload == null || payload.isBlank()) {
            throw new IllegalArgumentException("payload name is empty");
        }
        if (flash1Format == null) {
            throw new IllegalArgumentException("flash1Format is null (use ImageFormat.RAW)");
        }
        if (noFlash1 && (flash1 != null || flash1ReadOnly)) {
            throw new IllegalArgumentException("flash1 without a drive cannot have an image or be read-only");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    /** The payload with a fresh blank flash1 and the default timeout. */
    public static RunSpec of(String payload) {
        return new RunSpec(payload, null, null, ImageFormat.RAW, false, false, DEFAULT_TIMEOUT);
    }

    /** Keeps flash0's image in {@code image} (replaced if it exists). */
    public RunSpec withFlash0(Path image) {
        return new RunSpec(payload, image, flash1, flash1Format, flash1ReadOnly, noFlash1, timeout);
    }

    public RunSpec withFlash1(Path image, ImageFormat format) {
        return new RunSpec(payload, flash0, image, format, flash1ReadOnly, noFlash1, timeout);
    }

    public RunSpec readOnly() {
        return new RunSpec(payload, flash0, flash1, flash1Format, true, noFlash1, timeout);
    }

    /** No drive for flash1 (QEMU: no {@code -drive if=pflash,unit=1}). */
    public RunSpec withoutFlash1() {
        return new RunSpec(payload, flash0, null, ImageFormat.RAW, false, true, timeout);
    }

    public RunSpec withTimeout(Duration newTimeout) {
        return new RunSpec(payload, flash0, flash1, flash1Format, flash1ReadOnly, noFlash1, newTimeout);
    }

    /** The format flash1 is attached with (a fresh blank image is raw). */
    public ImageFormat effectiveFlash1Format() {
        return flash1 == null ? ImageFormat.RAW : flash1Format;
    }
}
