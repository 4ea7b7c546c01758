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
 * swaps it to {@code uc_emu_stop}, whose first argument is the engine, as the hook's is. Hook B covers one address
 * that is never executed; it exists only to keep the hook count at two (with one hook, Unicorn inlines the callback
 * pointer into the translated code and a swap would have no effect).
 *
 * <p>This relies on the private layout of Unicorn 2.1's {@code struct hook} (callback pointer at byte 40). The
 * constructor checks the layout field by field on the hook it just added and refuses to work if anything differs.
 * Cost: about 2.4x on a tight loop (a helper call per block).
 */
final class PreciseStopper {

    /** An address no guest executes: hook B's whole range. */
    private static final long NEVER_EXECUTED = 0xFFFF_FFFF_FFFF_FFF0L;
    /** Hook A's user data, to recognise it in the layout check. */
    private static final long MARKER = 0x5afe_5709_0000_0001L;

    private final Pointer hookA;
    private final long noop;
    private final long stop;

    PreciseStopper(UnicornEngine engine) {
        noop = Pointer.nativeValue(NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("labs"));
        stop = UnicornLibrary.symbol("uc_emu_stop");
        long a = engine.hookNative(UnicornLibrary.UC_HOOK_BLOCK, noop, MARKER, 1, 0);
        engine.hookNative(UnicornLibrary.UC_HOOK_BLOCK, noop, 0, NEVER_EXECUTED, NEVER_EXECUTED);
        hookA = new Pointer(a);
        checkLayout(hookA);
        // Blocks translated before these hooks existed would not call them.
        engine.flushTranslations();
    }

    private void checkLayout(Pointer hook) {
        int type = hook.getInt(UnicornLibrary.HOOK_TYPE_OFFSET);
        long begin = hook.getLong(UnicornLibrary.HOOK_BEGIN_OFFSET);
        long end = hook.getLong(UnicornLibrary.HOOK_END_OFFSET);
        long callback = hook.getLong(UnicornLibrary.HOOK_CALLBACK_OFFSET);
        long userData = hook.getLong(UnicornLibrary.HOOK_USER_DATA_OFFSET);
        if (type != UnicornLibrary.UC_HOOK_BLOCK || begin != 1 || end != 0 || callback != noop
                || userData != MARKER) {
            throw new IllegalStateException(String.format("Unicorn %s has an unexpected internal hook layout "
                            + "(type %d, begin %d, end %d, callback %s, user data %s); precise stops need Unicorn 2.1.x",
                    UnicornLibrary.version(), type, begin, end,
                    callback == noop ? "as expected" : "differs", userData == MARKER ? "as expected" : "differs"));
        }
    }

    /** Makes the next block start stop the engine. Safe from any thread, at any time. */
    void request() {
        hookA.setLong(UnicornLibrary.HOOK_CALLBACK_OFFSET, stop);
    }

    /** Withdraws a request; the run loop calls this after every {@code uc_emu_start}. */
    void clear() {
        hookA.setLong(UnicornLibrary.HOOK_CALLBACK_OFFSET, noop);
    }
}
