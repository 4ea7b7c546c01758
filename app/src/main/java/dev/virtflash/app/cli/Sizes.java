package dev.virtflash.app.cli;

import java.math.BigDecimal;
import java.util.Locale;

/** QEMU's size syntax ({@code qemu_strtosz}) and the human sizes of the reports. */
public final class Sizes {

    private static final String SUFFIXES = "BKMGTPE";

    private Sizes() {
    }

    /**
     * Parses a size as QEMU's {@code -m} does: a decimal number, optionally with a fraction, and an optional suffix
     * B, K, M, G, T, P or E (either case, powers of 1024); without a suffix the number counts {@code defaultUnit}s.
     *
     * @param option      the option, for the message (e.g. {@code "-m"})
     * @param text        what the user wrote
     * @param defaultUnit the unit of a bare number, one of {@code BKMGTPE}
     * @throws UsageException (exit 1) naming the option and the text, if it is not a size or not a whole number of
     *                        bytes, or does not fit in 63 bits
     */
    public static long parse(String option, String text, char defaultUnit) throws UsageException {
        String t = text.strip();
        int end = t.length();
        char unit = defaultUnit;
        if (end > 0 && Character.isLetter(t.charAt(end - 1))) {
            unit = Character.toUpperCase(t.charAt(end - 1));
            end--;
        }
        String number = t.substring(0, end);
        int shift = SUFFIXES.indexOf(unit) * 10;
        if (shift < 0 || number.isEmpty() || !number.matches("[0-9]+(\\.[0-9]+)?")) {
            throw UsageException.badValue(option + " " + text + ": bad size '" + text
                    + "', expected a number with an optional suffix B, K, M, G, T, P or E (e.g. 128M)");
        }
        BigDecimal bytes = new BigDecimal(number).multiply(BigDecimal.valueOf(2).pow(shift));
        try {
            return bytes.longValueExact();
        } catch (ArithmeticException e) {
            throw UsageException.badValue(option + " " + text + ": size '" + text + "' is " + bytes.toPlainString()
                    + " bytes, expected a whole number of bytes below 2^63");
        }
    }

    /** {@code 67108864} as {@code "64 MiB"}, {@code 1536} as {@code "1.5 KiB"}, below 1 KiB as {@code "N B"}. */
    public static String human(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        String s = String.format(Locale.ROOT, "%.1f", v);
        if (s.endsWith(".0")) {
            s = s.substring(0, s.length() - 2);
        }
        return s + " " + units[u];
    }
}
