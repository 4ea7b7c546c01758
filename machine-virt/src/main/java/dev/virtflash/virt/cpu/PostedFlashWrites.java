package dev.virtflash.virt.cpu;

import com.sun.jna.Pointer;
import dev.virtflash.memory.PostedWrites;

/**
 * The data cycles of a flash bank's buffered program, collected without a Java upcall each: the write-protect hook
 * (every store to a ROM device in a command mode reaches it) is, on x86-64 hosts, {@link #STUB_X86_64}, which stores a
 * 4-byte aligned store into the armed window in its state page and returns, and tail-calls the Java hook for every
 * other store. The Java side {@link #deliver() delivers} what the stub collected to the device, in order and through the
 * device's ordinary write path, before anything else reaches the device: at the start of the Java hook, before a read
 * of the device, and when a run of the engine ends. It arms the window again after each store the Java hook handled,
 * as far as the device allows ({@link PostedWrites}: a bank in the data phase of a buffered program lets all but its
 * last data cycle be posted), and disarms it when a run ends (between runs the host may reset the device).
 *
 * <p>A 4 KiB window of 1,024 data cycles then costs four Java calls instead of 1,024 (the state page holds
 * {@link #CAPACITY} cycles). Where stubs cannot run, the Java hook sees every store as before.
 */
final class PostedFlashWrites implements AutoCloseable {

    /**
     * {@code bool hook(uc_engine *uc, int type, uint64_t address, int size, int64_t value, void *state)} in the
     * System V ABI (rdi, esi, rdx, ecx, r8, r9). A store of 4 bytes at a 4-byte aligned {@code address} inside
     * {@code [state[1], state[1] + state[2])} while {@code state[3]} (writes left) is not zero: decrements
     * {@code state[3]}, stores the offset in the window and the value's low 32 bits as entry {@code state[4]} (8 bytes
     * each from byte 40), increments {@code state[4]} and returns true (the store is handled). Anything else tail-calls
     * the Java hook at {@code state[0]} with the same arguments.
     */
    static final byte[] STUB_X86_64 = {
        (byte) 0x83, (byte) 0xf9, 0x04,             //  0 cmp  ecx, 4
        0x75, 0x3c,                                 //  3 jne  java
        0x48, (byte) 0x89, (byte) 0xd0,             //  5 mov  rax, rdx
        0x49, 0x2b, 0x41, 0x08,                     //  8 sub  rax, [r9 + 8]          offset in the window
        0x49, 0x3b, 0x41, 0x10,                     // 12 cmp  rax, [r9 + 16]
        0x73, 0x2f,                                 // 16 jae  java                    outside it
        (byte) 0xa8, 0x03,                          // 18 test al, 3
        0x75, 0x2b,                                 // 20 jne  java                    unaligned
        0x4d, (byte) 0x8b, 0x51, 0x18,              // 22 mov  r10, [r9 + 24]          writes left
        0x4d, (byte) 0x85, (byte) 0xd2,             // 26 test r10, r10
        0x74, 0x22,                                 // 29 je   java
        0x49, (byte) 0xff, (byte) 0xca,             // 31 dec  r10
        0x4d, (byte) 0x89, 0x51, 0x18,              // 34 mov  [r9 + 24], r10
        0x4d, (byte) 0x8b, 0x51, 0x20,              // 38 mov  r10, [r9 + 32]          writes posted
        0x43, (byte) 0x89, 0x44, (byte) 0xd1, 0x28, // 42 mov  [r9 + r10 * 8 + 40], eax
        0x47, (byte) 0x89, 0x44, (byte) 0xd1, 0x2c, // 47 mov  [r9 + r10 * 8 + 44], r8d
        0x49, (byte) 0xff, (byte) 0xc2,             // 52 inc  r10
        0x4d, (byte) 0x89, 0x51, 0x20,              // 55 mov  [r9 + 32], r10
        (byte) 0xb8, 0x01, 0x00, 0x00, 0x00,        // 59 mov  eax, 1
        (byte) 0xc3,                                // 64 ret
        0x41, (byte) 0xff, 0x21,                    // 65 java: jmp [r9]
    };

    private static final long JAVA_HOOK = 0;
    private static final long WINDOW = 8;
    private static final long LENGTH = 16;
    private static final long LEFT = 24;
    private static final long POSTED = 32;
    private static final long ENTRIES = 40;
    /** Entries that fit in the state page after the header. */
    static final int CAPACITY = (int) ((4096 - ENTRIES) / 8);
    private static final long STORE_SIZE = 4;

    private final RomDeviceMapping.Faults faults;
    /** Null where stubs cannot run: then nothing is ever posted. */
    private NativeStub stub;
    /** The device the stub's window belongs to, or null when disarmed. */
    private RomDeviceMapping armed;
    private final long[] entries = new long[CAPACITY];
    private long posted;

    PostedFlashWrites(RomDeviceMapping.Faults faults) {
        this.faults = faults;
    }

    /**
     * Registers the write-protect hook with the engine: {@code javaHook} itself, or the stub in front of it. The Java
     * hook must call {@link #deliver()} before it hands a store to a device, and {@link #arm} after.
     */
    void install(UnicornEngine engine, UnicornLibrary.EventMem javaHook, int hookType) {
        if (!NativeStub.supported()) {
            engine.hookMemory(hookType, javaHook, 1, 0);
            return;
        }
        stub = NativeStub.of(STUB_X86_64);
        stub.state().setLong(JAVA_HOOK, engine.keepCallback(javaHook));
        engine.hookNative(hookType, stub.code(), Pointer.nativeValue(stub.state()), 1, 0);
    }

    /**
     * Delivers the stores the stub collected to the armed device, in the order they were made, and closes the window.
     * For the Java hook, which opens it again ({@link #arm}) once it has handled its own store, and for the end of a
     * run (between runs the host may change the device).
     */
    void deliver() {
        RomDeviceMapping device = armed;
        if (device == null) {
            return;
        }
        armed = null;
        Pointer state = stub.state();
        state.setLong(LEFT, 0);
        int n = (int) state.getLong(POSTED);
        if (n == 0) {
            return;
        }
        state.setLong(POSTED, 0);
        long window = state.getLong(WINDOW);
        state.read(ENTRIES, entries, 0, n);
        posted += n;
        try {
            for (int i = 0; i < n; i++) {
                device.write(window + (entries[i] & 0xFFFF_FFFFL), (int) STORE_SIZE, entries[i] >>> 32);
            }
        } catch (Throwable t) {
            faults.hostError(device.region().name() + ": delivering " + n + " posted writes failed: " + t, t);
        }
    }

    /**
     * Delivers what waits, if anything, before a read of a device, and opens the window again for what the armed
     * device allows then.
     */
    void flush() {
        RomDeviceMapping device = armed;
        if (device != null && stub.state().getLong(POSTED) != 0) {
            deliver();
            arm(device);
        }
    }

    /**
     * Opens the stub's window for the stores {@code device} lets the CPU post now, or closes it. Only with nothing
     * waiting (after {@link #deliver()}).
     */
    void arm(RomDeviceMapping device) {
        if (stub == null) {
            return;
        }
        Pointer state = stub.state();
        PostedWrites allowed = device.postedWrites();
        if (allowed == null) {
            state.setLong(LEFT, 0);
            armed = null;
            return;
        }
        state.setLong(WINDOW, device.commandViewAddress(allowed.offset()));
        state.setLong(LENGTH, allowed.length());
        state.setLong(LEFT, Math.min(allowed.count(), CAPACITY));
        armed = device;
    }

    /** How many stores reached a device through the stub since the CPU was made. */
    long posted() {
        return posted;
    }

    /** Unmaps the stub; only after the engine is closed (its translated code calls it). */
    @Override
    public void close() {
        if (stub != null) {
            stub.close();
        }
    }
}
