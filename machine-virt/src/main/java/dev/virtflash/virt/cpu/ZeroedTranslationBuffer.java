package dev.virtflash.virt.cpu;

import dev.virtflash.memory.NativeMemory;
import dev.virtflash.memory.ProcessMappings;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Unicorn's translation buffer, as far as its zeros are concerned. Unicorn 2.1.1 writes zeros over the whole buffer
 * when an engine starts and at every flush of translated code (its copy of QEMU's {@code tcg_region_assign} has a
 * {@code memset}), so every engine held all of its buffer resident (4 MiB a board) before running one instruction.
 * Those pages can go back to the kernel ({@code MADV_DONTNEED}) whenever the buffer holds no translation: they read
 * as zeros anyway, and TCG fills them again as it translates.
 *
 * <p>Unicorn does not say where the buffer is. It is the one new anonymous read-write-execute mapping of its size that
 * appears while an engine starts; engines start one at a time ({@link #opening}) so that it can only be that engine's.
 * Its all-zero tail is found once, after the start (the prologue TCG writes at its beginning stays); a later flush
 * zeroes the same range again. Where the buffer cannot be told apart (none or several candidates), nothing is given
 * back and the buffer stays resident, as before.
 */
final class ZeroedTranslationBuffer {

    /** No buffer found: giving back does nothing. */
    static final ZeroedTranslationBuffer NONE = new ZeroedTranslationBuffer(0, 0);

    /** Engines start one at a time (see the class comment). A lock, not state: it holds nothing. */
    private static final Object OPEN_LOCK = new Object();
    /** The buffer's mapping is its size less the guard page(s) TCG puts at its end. */
    private static final long GUARD_SLACK = 64 * 1024;

    private final long zeroTail;
    private final long end;

    private ZeroedTranslationBuffer(long zeroTail, long end) {
        this.zeroTail = zeroTail;
        this.end = end;
    }

    /**
     * Starts an engine with {@code start} (which must make Unicorn allocate its buffer: any call after
     * {@code uc_open} that initialises the engine), finds its buffer of {@code bufferBytes}, hands it to {@code found}
     * and gives its zeros back.
     */
    static <E> E opening(long bufferBytes, Supplier<E> start, BiConsumer<E, ZeroedTranslationBuffer> found) {
        synchronized (OPEN_LOCK) {
            List<ProcessMappings.Mapping> before = ProcessMappings.sample();
            E engine = start.get();
            ZeroedTranslationBuffer buffer = find(before, bufferBytes);
            found.accept(engine, buffer);
            buffer.giveBack();
            return engine;
        }
    }

    private static ZeroedTranslationBuffer find(List<ProcessMappings.Mapping> before, long bufferBytes) {
        List<ProcessMappings.Mapping> candidates = new ArrayList<>();
        for (ProcessMappings.Mapping m : ProcessMappings.newSince(before, ProcessMappings.sample())) {
            if (m.path().isEmpty() && m.perms().startsWith("rwx") && m.size() <= bufferBytes
                    && m.size() > bufferBytes - GUARD_SLACK) {
                candidates.add(m);
            }
        }
        if (candidates.size() != 1) {
            return NONE;
        }
        ProcessMappings.Mapping buffer = candidates.get(0);
        return new ZeroedTranslationBuffer(NativeMemory.zeroTail(buffer.start(), buffer.end()), buffer.end());
    }

    /** Gives the zeroed pages back; only while the buffer holds no translation (just flushed, nothing run since). */
    void giveBack() {
        if (zeroTail < end) {
            NativeMemory.giveBackZeros(zeroTail, end);
        }
    }
}
