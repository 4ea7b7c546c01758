package dev.virtflash.virt.cpu;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * A few instructions of x86-64 machine code of the binding's own that Unicorn calls as a native hook callback, in a
 * page of their own (read + execute), followed by a state page (read + write) that the code reads through the hook's
 * user-data argument and Java reads and writes. Used where a Java upcall per call would cost too much (the precise
 * stop at every block, the guest's cache maintenance). Only on x86-64 Linux ({@link #supported()}); elsewhere the
 * binding uses Java hooks. Unmap it with {@link #close()} after the engine whose translated code calls it is closed.
 */
final class NativeStub implements AutoCloseable {

    private static final long PAGE = 4096;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int PROT_EXEC = 4;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;

    private final Pointer pages;
    private boolean closed;

    private NativeStub(Pointer pages) {
        this.pages = pages;
    }

    /** Whether stubs can run here: an x86-64 Linux host. */
    static boolean supported() {
        return Platform.isIntel() && Platform.is64Bit() && Platform.isLinux();
    }

    /**
     * Maps {@code code} (at most a page) into a fresh executable page, with a zeroed state page after it.
     *
     * @throws IllegalStateException if the kernel refuses the pages
     */
    static NativeStub of(byte[] code) {
        if (code.length > PAGE) {
            throw new IllegalArgumentException("a stub of " + code.length + " bytes, expected at most " + PAGE);
        }
        NativeLibrary c = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
        long p = c.getFunction("mmap").invokeLong(new Object[] {0L, 2 * PAGE, PROT_READ | PROT_WRITE,
            MAP_PRIVATE_ANONYMOUS, -1, 0L});
        if (p == -1L || p == 0) {
            throw new IllegalStateException("mmap of a native stub failed");
        }
        Pointer pages = new Pointer(p);
        pages.write(0, code, 0, code.length);
        int rc = c.getFunction("mprotect").invokeInt(new Object[] {pages, PAGE, PROT_READ | PROT_EXEC});
        if (rc != 0) {
            unmap(pages);
            throw new IllegalStateException("mprotect of a native stub failed");
        }
        return new NativeStub(pages);
    }

    /** The code's address: the hook callback. */
    long code() {
        return Pointer.nativeValue(pages);
    }

    /** The state page: the hook's user data. */
    Pointer state() {
        return pages.share(PAGE);
    }

    private static void unmap(Pointer pages) {
        Function munmap = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("munmap");
        munmap.invokeInt(new Object[] {pages, 2 * PAGE});
    }

    /** Unmaps both pages; only once no engine can call the code any more. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            unmap(pages);
        }
    }
}
