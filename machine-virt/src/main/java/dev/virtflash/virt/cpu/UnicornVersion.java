package dev.virtflash.virt.cpu;

/**
 * A Unicorn library version as {@code uc_version} reports it.
 *
 * @param major e.g. 2
 * @param minor e.g. 1
 * @param patch e.g. 1
 */
public record UnicornVersion(int major, int minor, int patch) implements Comparable<UnicornVersion> {

    /** The oldest Unicorn that runs firmware which turns on the MMU (2.0.1 cannot, see the README). */
    public static final UnicornVersion MINIMUM = new UnicornVersion(2, 1, 0);

    /** Decodes {@code uc_version}'s packed result: major &lt;&lt; 24 | minor &lt;&lt; 16 | patch &lt;&lt; 8 | extra. */
    public static UnicornVersion decode(int packed) {
        return new UnicornVersion((packed >>> 24) & 0xFF, (packed >>> 16) & 0xFF, (packed >>> 8) & 0xFF);
    }

    @Override
    public int compareTo(UnicornVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
