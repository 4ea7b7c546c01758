package dev.virtflash.virt.cpu;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The native Unicorn library ({@code libunicorn.so.2}), bound with JNA direct mapping. Loading this class fails
 * with {@link UnsatisfiedLinkError} when the library is absent; {@link #requireSupportedVersion()} turns both that
 * and a too-old version into one-line errors that say how to install the right one.
 */
public final class UnicornLibrary {

    /** The shared object's name, as Debian installs it. */
    public static final String SONAME = "libunicorn.so.2";

    static {
        Native.register(UnicornLibrary.class, NativeLibrary.getInstance(SONAME));
    }

    private UnicornLibrary() {
    }

    /** {@code unsigned int uc_version(unsigned int *major, unsigned int *minor)}; both pointers may be NULL. */
    static native int uc_version(long major, long minor);

    /** The version of the loaded library. */
    public static UnicornVersion version() {
        return UnicornVersion.decode(uc_version(0, 0));
    }

    /**
     * The loaded library's version, checked against {@link UnicornVersion#MINIMUM}.
     *
     * @throws IllegalStateException with a one-line message saying how to install Unicorn 2.1
     */
    public static UnicornVersion requireSupportedVersion() {
        UnicornVersion v;
        try {
            v = version();
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new IllegalStateException(SONAME + " not found; install Unicorn " + UnicornVersion.MINIMUM
                    + " or newer with scripts/setup.sh (Debian 13's libunicorn2t64)");
        }
        if (v.compareTo(UnicornVersion.MINIMUM) < 0) {
            throw new IllegalStateException("Unicorn " + v + " found, " + UnicornVersion.MINIMUM
                    + " or newer expected (older ones cannot run firmware that turns on the MMU); "
                    + "run scripts/setup.sh to install Debian 13's libunicorn2t64");
        }
        return v;
    }
}
