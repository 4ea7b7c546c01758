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
 */
final class PreciseStopper {

    /** An address no guest executes: the whole range of hooks B and C while idle. */
    private static final long NEVER_EXECUTED = 0xFFFF_FFFF_FFFF_FFF0L;
    /** Hook A's user data, to recognise it in the layout check. */
    private static final long MARKER = 0x5afe_5709_0000_0001L;

    private final Pointer hookA;
    private final Pointer hookB;
    private final Pointer hookC;
    /** Whether a stop was requested since the last {@link #clear()}. */
    private volatile boolean requested;
    /** Whether hooks B and C are armed by {@link #requestAfter} (CPU thread only). */
    private boolean after;
    private final long noop;
    private final long stop;

    PreciseStopper(UnicornEngine engine) {
        noop = Pointer.nativeValue(NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("labs"));
        stop = UnicornLibrary.symbol("uc_emu_stop");
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

    /** Makes the next block start stop the engine. Safe from any thread, at any time. */
    void request() {
        requested = true;
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
