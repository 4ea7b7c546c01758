package dev.virtflash.virt.cpu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exit that ends the current run, as the CPU's hooks report it from inside Unicorn (CPU thread only): the first
 * report wins, and the run loop takes it when {@code uc_emu_start} returns. Owns nothing but that one slot: the hooks
 * (traps, system instructions, MMIO callbacks) never throw into native code, they report here.
 */
final class PendingExit {

    /** Logs under the CPU's name, as host errors always have. */
    private static final Logger LOG = LoggerFactory.getLogger(UnicornCpu.class);

    private final UnicornEngine engine;
    private CpuExit pending;

    PendingExit(UnicornEngine engine) {
        this.engine = engine;
    }

    /** Records {@code exit} unless one is recorded already; the caller makes Unicorn stop (e.g. a hook refusing). */
    void offer(CpuExit exit) {
        if (pending == null) {
            pending = exit;
        }
    }

    /** Records {@code exit} (unless one is recorded already) and stops the engine. */
    void end(CpuExit exit) {
        offer(exit);
        engine.stop();
    }

    /** Logs a failure of the binding itself and ends the run with a {@link CpuExit.HostError}. */
    void hostError(String message, Throwable cause) {
        LOG.error("{}", message, cause);
        end(new CpuExit.HostError(message, cause));
    }

    /** Whether an exit is recorded. */
    boolean isSet() {
        return pending != null;
    }

    /** Forgets any recorded exit (at the start of a run). */
    void clear() {
        pending = null;
    }

    /** The recorded exit, or null; forgets it. */
    CpuExit take() {
        CpuExit exit = pending;
        pending = null;
        return exit;
    }
}
