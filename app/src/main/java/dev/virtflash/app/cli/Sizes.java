package dev.virtflash.app.cli;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * Sizes as QEMU reads and prints them: the one size parser ({@code qemu_strtosz}: a decimal number, optionally with
 * a fraction, and an optional suffix B, K, M, G, T, P or E in either case, powers of 1024), with the two policies of
 * its callers ({@code -m} and {@code virt img}), and the two ways sizes are printed (our reports, and qemu-img's
 * {@code size_to_str}).
 */
public final class Sizes {

    private static final String SUFFIXES = "BKMGTPE";
    private static final String[] REPORT_UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    private static final String[] QEMU_UNITS = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

    private Sizes() {
    }

    /** A parsed size: its exact value in bytes, its unit (one of {@code BKMGTPE}), whether it had a fraction. */
    private record Parsed(BigDecimal bytes, char unit, boolean fraction) {
    }

    /**
     * Reads {@code text} (surrounding white space ignored): a number with an optional fraction and an optional suffix;
     * without one the number counts {@code defaultUnit}s.
     *
     * @return the exact value, or null if the text is not a size
     */
    private static Parsed read(String text, char defaultUnit) {
        String t = text.strip();
        int end = t.length();
        char unit = defaultUnit;
        if (end > 0 && Character.isLetter(t.charAt(end - 1))) {
            unit = Character.toUpperCase(t.charAt(end - 1));
            end--;
        }
        String number = t.substring(0, end);
        int shift = SUFFIXES.indexOf(unit) * 10;
        if (shift < 0 || !number.matches("[0-9]+(\\.[0-9]+)?")) {
            return null;
        }
        return new Parsed(new BigDecimal(number).multiply(BigDecimal.valueOf(2).pow(shift)), unit,
                number.indexOf('.') >= 0);
    }

    /**
     * Parses a size as QEMU's {@code -m} does; without a suffix the number counts {@code defaultUnit}s.
     *
     * @param option      the option, for the message (e.g. {@code "-m"})
     * @param text        what the user wrote
     * @param defaultUnit the unit of a bare number, one of {@code BKMGTPE}
     * @throws UsageException (exit 1) naming the option and the text, if it is not a size or not a whole number of
     *                        bytes, or does not fit in 63 bits
     */
    public static long parse(String option, String text, char defaultUnit) throws UsageException {
        Parsed p = read(text, defaultUnit);
        if (p == null) {
            throw UsageException.badValue(option + " " + text + ": bad size '" + text
                    + "', expected a number with an optional suffix B, K, M, G, T, P or E (e.g. 128M)");
        }
        try {
            return p.bytes().longValueExact();
        } catch (ArithmeticException e) {
            throw UsageException.badValue(option + " " + text + ": size '" + text + "' is "
                    + p.bytes().toPlainString() + " bytes, expected a whole number of bytes below 2^63");
        }
    }

    /**
     * Parses a size as {@code qemu-img} does: a bare number counts bytes, a fraction of a byte is refused, and a
     * fraction of a larger unit is rounded down to whole bytes.
     *
     * @throws IllegalArgumentException with a one-line message naming the text, for anything else
     */
    public static long parseImageSize(String text) {
        Parsed p = read(text, 'B');
        if (p == null || p.fraction() && p.unit() == 'B') {
            throw new IllegalArgumentException("invalid image size '" + text
                    + "', expected a number of bytes with an optional suffix K, M, G, T, P or E (e.g. 64M)");
        }
        if (p.bytes().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("image size '" + text + "' is too large, expected at most "
                    + Long.MAX_VALUE + " bytes");
        }
        return p.bytes().setScale(0, RoundingMode.DOWN).longValueExact();
    }

    /** {@code 67108864} as {@code "64 MiB"}, {@code 1536} as {@code "1.5 KiB"}, below 1 KiB as {@code "N B"}. */
    public static String human(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < REPORT_UNITS.length - 1) {
            v /= 1024;
            u++;
        }
        // %.1f without java.util.Formatter (whose first use costs a payload run about 5 ms): v is bytes / 1024^k,
        // exact in a double, and so is v * 10; Math.round is then %.1f's HALF_UP.
        long tenths = Math.round(v * 10);
        String s = tenths % 10 == 0 ? Long.toString(tenths / 10) : tenths / 10 + "." + tenths % 10;
        return s + " " + REPORT_UNITS[u];
    }

    /** A byte count as {@code qemu-img info} prints it: three significant digits of the largest fitting unit. */
    public static String qemuHuman(long bytes) {
        if (bytes <= 0) {
            return "0 B";
        }
        // The unit switches once the figure would reach 1000 (not 1024), as in QEMU's size_to_str.
        double scaled = bytes / (1000.0 / 1024.0);
        int exponent = Math.getExponent(scaled) + 1; // frexp's exponent
        int unit = Math.min(QEMU_UNITS.length - 1, (exponent - 1) / 10);
        double value = bytes / (double) (1L << (unit * 10));
        return formatG3(value) + " " + QEMU_UNITS[unit] + "B";
    }

    /** C's {@code %0.3g} for a positive value below 10^6. */
    static String formatG3(double value) {
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(3, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent >= 3) {
            BigDecimal mantissa = rounded.movePointLeft(exponent).stripTrailingZeros();
            return mantissa.toPlainString() + String.format(Locale.ROOT, "e+%02d", exponent);
        }
        return rounded.stripTrailingZeros().toPlainString();
    }
}
