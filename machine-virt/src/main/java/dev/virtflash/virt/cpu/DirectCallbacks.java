package dev.virtflash.virt.cpu;

import com.sun.jna.Callback;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The native entry point of a Java callback, made the way JNA makes it for a direct-mapped function: for native code of
 * ours (a {@link NativeStub}) that calls the callback itself.
 *
 * <p>JNA has two upcall paths. A callback passed to a direct-mapped function gets a direct entry point: the native side
 * calls the Java method with its primitive arguments as they are. {@code CallbackReference.getFunctionPointer}, the
 * public way to get an entry point, makes the other kind: every upcall boxes each argument, builds an argument array
 * and calls the method by reflection, then unboxes the result. So the entry point is taken from a direct-mapped call of
 * libc's {@code memmove} with a length of zero, which moves nothing and returns its first argument: the callback's
 * direct entry point. JNA frees that entry point when the callback is collected; the caller keeps the callback.
 */
final class DirectCallbacks {

    static {
        Native.register(DirectCallbacks.class, NativeLibrary.getInstance("c"));
    }

    private DirectCallbacks() {
    }

    /** {@code void *memmove(void *dest, const void *src, size_t n)}: with {@code n} 0 it returns {@code dest}. */
    private static native long memmove(Callback dest, Callback src, long n);

    /** The direct entry point of {@code callback}. */
    static long entryPoint(Callback callback) {
        return memmove(callback, callback, 0);
    }
}
