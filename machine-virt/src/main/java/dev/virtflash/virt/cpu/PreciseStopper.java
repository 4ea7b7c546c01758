package dev.virtflash.virt.cpu;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * Stops the engine exactly at the start of the next translation block, before any of its instructions runs, so that
 * resuming at the reported PC neither skips nor repeats an instruction. {@code uc_emu_stop} alone (and
 * {@code uc_emu_start}'s timeout) stop inside a block and report the block's start, which re-executes instructions.
 *
 * <p>How: two {@code UC_HOOK_BLOCK} hooks with <em>native</em> callbacks (no Java upcall). With two hooks of a type,
 * Unicorn calls its generic block helper at every block start, and that helper reads each hook's callback pointer at
 * run time. Hook A normally points at libc's {@code labs} (a harmless no-op for the hook's arguments); a stop request
 * swaps it to {@code uc_emu_stop}, whose first argument is the engine, as the hook's is. Hooks B and C normally cover
 * one address that is never executed; they keep the hook count above one (with one hook, Unicorn inlines the callback
 * pointer into the translated code and a swap would have no effect).
 *
 * <p>{@link #requestAfter(long)} stops at the next block start at any address <em>but</em> one: hooks B and C then
 * cover the addresses below and above it, with {@code uc_emu_stop} as their callback (Unicorn checks a block hook's
 * range each time the block runs; hook A's full range keeps every block translated with the helper call). The CPU uses
 * it to look at the interrupt mask again after the block it resumes, since a request made before {@code uc_emu_start}
 * stops at the very first block, before anything runs.
 *
 * <p>This relies on the private layout of Unicorn 2.1's {@code struct hook} (callback pointer at byte 40). The
 * constructor checks the layout field by field on the hook it just added and refuses to work if anything differs.
 * Cost: about 2.4x on a tight loop (a helper call per block).
 *
 * <p><b>On x86-64 hosts</b> a cheaper way with the same behaviour is used instead: <em>one</em> block hook, whose
 * callback Unicorn then calls directly from the translated code (no generic helper walking a hook list, no
 * {@code labs}), pointing at {@link #STUB_X86_64}, nine instructions of our own in a page of their own. The stub reads
 * a state word that {@link #request()}, {@link #requestAfter(long)} and {@link #clear()} write: 0 runs on, 1 stops at
 * this block, 2 stops unless the block starts at the stored PC; to stop it tail-calls {@code uc_emu_stop} with the
 * hook's own first argument, the engine. A perf profile of payload {@code flash-speed}'s read-back phase had 40 % of
 * the CPU in {@code helper_uc_tracecode} and {@code labs}. No private Unicorn layout is involved. The two pages are
 * this object's, unmapped by {@link #close()} after the engine is closed.
 */
final class PreciseStopper implements AutoCloseable {

    /**
     * The block hook's callback, {@code void (uc_engine *uc, uint64_t address, uint32_t size, void *state)} in the
     * System V ABI (rdi, rsi, edx, rcx): {@code state[0]} the mode, {@code state[1]} the PC that does not stop in mode
     * 2, {@code state[2]} the address of {@code uc_emu_stop}.
     */
    private static final byte[] STUB_X86_64 = {
        0x48, (byte) 0x8b, 0x01,             // mov  rax, [rcx]          mode
        0x48, (byte) 0x85, (byte) 0xc0,      // test rax, rax
        0x74, 0x0f,                          // jz   done                0: run on
        0x48, (byte) 0x83, (byte) 0xf8, 0x01, // cmp  rax, 1
        0x74, 0x06,                          // je   stop                1: stop here
        0x48, 0x3b, 0x71, 0x08,              // cmp  rsi, [rcx + 8]      2: stop unless this block is at the PC
        0x74, 0x03,                          // je   done
        (byte) 0xff, 0x61, 0x10,             // stop: jmp [rcx + 16]     uc_emu_stop(uc)
        (byte) 0xc3,                         // done: ret
    };
    private static final long MODE_RUN = 0;
    private static final long MODE_STOP = 1;
    private static final long MODE_STOP_AFTER = 2;

    /** An address no guest executes: the whole range of hooks B and C while idle. */
    private static final long NEVER_EXECUTED = 0xFFFF_FFFF_FFFF_FFF0L;
    /** Hook A's user data, to recognise it in the layout check. */
    private static final long MARKER = 0x5afe_5709_0000_0001L;

    private final Pointer hookA;
    private final Pointer hookB;
    private final Pointer hookC;
    /** The x86-64 stub (code, then state), or null where the three hooks are used. */
    private final NativeStub stub;
    private final Pointer state;
    /** Whether a stop was requested since the last {@link #clear()}. */
    private volatile boolean requested;
    /** Whether hooks B and C are armed by {@link #requestAfter} (CPU thread only). */
    private boolean after;
    private final long noop;
    private final long stop;

    PreciseStopper(UnicornEngine engine) {
        noop = Pointer.nativeValue(NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("labs"));
        stop = UnicornLibrary.symbol("uc_emu_stop");
        if (NativeStub.supported()) {
            stub = NativeStub.of(STUB_X86_64);
            state = stub.state();
            state.setLong(0, MODE_RUN);
            state.setLong(16, stop);
            try {
                engine.hookNative(UnicornLibrary.UC_HOOK_BLOCK, stub.code(), Pointer.nativeValue(state), 1, 0);
            } catch (RuntimeException e) {
                stub.close();
                throw e;
            }
            hookA = null;
            hookB = null;
            hookC = null;
            engine.flushTranslations();
            engine.giveBackZeroedBuffer(); // the flush zeroed the whole buffer again, and nothing has run yet
            return;
        }
        stub = null;
        state = null;
        long a = engine.hookNative(UnicornLibrary.UC_HOOK_BLOCK, noop, MARKER, 1, 0);
        long b = engine.hookNative(UnicornLibrary.UC_HOOK_BLOCK, noop, 0, NEVER_EXECUTED, NEVER_EXECUTED);
        long c = engine.hookNative(UnicornLibrary.UC_HOOK_BLOCK, noop, 0, NEVER_EXECUTED, NEVER_EXECUTED);
        hookA = new Pointer(a);
        hookB = new Pointer(b);
        hookC = new Pointer(c);
        checkLayout(hookA, 1, 0, MARKER);
        checkLayout(hookB, NEVER_EXECUTED, NEVER_EXECUTED, 0);
        checkLayout(hookC, NEVER_EXECUTED, NEVER_EXECUTED, 0);
        // Blocks translated before these hooks existed would not call them.
        engine.flushTranslations();
        engine.giveBackZeroedBuffer(); // the flush zeroed the whole buffer again, and nothing has run yet
    }

    private void checkLayout(Pointer hook, long expectedBegin, long expectedEnd, long expectedUserData) {
        int type = hook.getInt(UnicornLibrary.HOOK_TYPE_OFFSET);
        long begin = hook.getLong(UnicornLibrary.HOOK_BEGIN_OFFSET);
        long end = hook.getLong(UnicornLibrary.HOOK_END_OFFSET);
        long callback = hook.getLong(UnicornLibrary.HOOK_CALLBACK_OFFSET);
        long userData = hook.getLong(UnicornLibrary.HOOK_USER_DATA_OFFSET);
        if (type != UnicornLibrary.UC_HOOK_BLOCK || begin != expectedBegin || end != expectedEnd || callback != noop
                || userData != expectedUserData) {
            throw new IllegalStateException(String.format("Unicorn %s has an unexpected internal hook layout "
                            + "(type %d, begin %d, end %d, callback %s, user data %s); precise stops need Unicorn 2.1.x",
                    UnicornLibrary.version(), type, begin, end,
                    callback == noop ? "as expected" : "differs",
                    userData == expectedUserData ? "as expected" : "differs"));
        }
    }

    /** Unmaps the stub's pages; call after the engine is closed (its translated code calls the stub). Idempotent. */
    @Override
    public void close() {
        if (stub != null) {
            stub.close();
        }
    }

    /** Makes the next block start stop the engine. Safe from any thread, at any time. */
    void request() {
        requested = true;
        if (state != null) {
            state.setLong(0, MODE_STOP);
            return;
        }
        hookA.setLong(UnicornLibrary.HOOK_CALLBACK_OFFSET, stop);
    }

    /** Whether {@link #request()} was called since the last {@link #clear()} (a run that ended without one did so
     * on its own, e.g. at a WFI). */
    boolean requested() {
        return requested;
    }

    /**
     * Makes the next block start at an address other than {@code pc} stop the engine: call it before
     * {@code uc_emu_start(pc)} so that the block at {@code pc} runs and the stop comes after it (or after the loop
     * it may form with itself). Only from the CPU thread while the engine does not run.
     */
    void requestAfter(long pc) {
        requested = true;
        if (state != null) {
            state.setLong(8, pc);
            state.setLong(0, MODE_STOP_AFTER);
            return;
        }
        hookB.setLong(UnicornLibrary.HOOK_BEGIN_OFFSET, pc + 1);
        hookB.setLong(UnicornLibrary.HOOK_END_OFFSET, -1L);
        if (pc != 0) {
            hookC.setLong(UnicornLibrary.HOOK_BEGIN_OFFSET, 0);
            hookC.setLong(UnicornLibrary.HOOK_END_OFFSET, pc - 1);
            hookC.setLong(UnicornLibrary.HOOK_CALLBACK_OFFSET, stop);
        }
        hookB.setLong(UnicornLibrary.HOOK_CALLBACK_OFFSET, stop);
        after = true;
    }

    /** Withdraws requests; the run loop calls this before every {@code uc_emu_start}. */
    void clear() {
        requested = false;
        if (state != null) {
            state.setLong(0, MODE_RUN);
            return;
        }
        hookA.setLong(UnicornLibrary.HOOK_CALLBACK_OFFSET, noop);
        if (after) {
            after = false;
            for (Pointer h : new Pointer[]{hookB, hookC}) {
                h.setLong(UnicornLibrary.HOOK_CALLBACK_OFFSET, noop);
                h.setLong(UnicornLibrary.HOOK_BEGIN_OFFSET, NEVER_EXECUTED);
                h.setLong(UnicornLibrary.HOOK_END_OFFSET, NEVER_EXECUTED);
            }
        }
    }
}
