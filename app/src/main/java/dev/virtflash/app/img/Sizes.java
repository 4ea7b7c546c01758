package dev.virtflash.app.img;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/** Sizes as {@code qemu-img} reads and prints them: {@code 64M}, {@code 1.5G}; {@code 64 MiB}, {@code 0.977 KiB}. */
final class Sizes {

    private static final String SUFFIXES = "BKMGTPE";
    private static final String[] UNITS = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

    private Sizes() {
    }

    /**
     * Parses a size: a decimal number, optionally with a fraction, and an optional suffix {@code B K M G T P E}
     * (either case, powers of 1024; none means bytes).
     *
     * @throws IllegalArgumentException with a one-line message naming the text, for anything else
     */
    static long parse(String text) {
        String t = text.trim();
        int end = t.length();
        int shift = 0;
        if (end > 0) {
            int unit = SUFFIXES.indexOf(Character.toUpperCase(t.charAt(end - 1)));
            if (unit >= 0) {
                shift = unit * 10;
                end--;
            }
        }
        String number = t.substring(0, end);
        if (!number.matches("[0-9]+(\\.[0-9]+)?")) {
            throw bad(text);
        }
        BigDecimal value = new BigDecimal(number).multiply(BigDecimal.valueOf(2).pow(shift));
        if (number.contains(".") && shift == 0) {
            throw bad(text); // a fraction of a byte
        }
        if (value.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("image size '" + text + "' is too large, expected at most "
                    + Long.MAX_VALUE + " bytes");
        }
        return value.setScale(0, RoundingMode.DOWN).longValueExact();
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("invalid image size '" + text
                + "', expected a number of bytes with an optional suffix K, M, G, T, P or E (e.g. 64M)");
    }

    /** A byte count as {@code qemu-img info} prints it: three significant digits of the largest fitting unit. */
    static String human(long bytes) {
        if (bytes <= 0) {
            return "0 B";
        }
        // The unit switches once the figure would reach 1000 (not 1024), as in QEMU's size_to_str.
        double scaled = bytes / (1000.0 / 1024.0);
        int exponent = Math.getExponent(scaled) + 1; // frexp's exponent
        int unit = Math.min(UNITS.length - 1, (exponent - 1) / 10);
        double value = bytes / (double) (1L << (unit * 10));
        return formatG3(value) + " " + UNITS[unit] + "B";
    }

    /** C's {@code %0.3g} for a positive value below 10^6. */
    static String formatG3(double value) {
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(3, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent >= 3) {
            BigDecimal mantissa = rounded.movePointLeft(exponent).stripTrailingZeros();
            return mantissa.toPlainString() + String.format(Locale.ROOT, "e+%02d", exponent);
        }
        String plain = rounded.stripTrailingZeros().toPlainString();
        return plain;
    }
}
