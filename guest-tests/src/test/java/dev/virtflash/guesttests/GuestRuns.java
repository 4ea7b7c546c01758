package dev.virtflash.guesttests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The runners a test class uses, and a per-instance memo of runs on a fresh blank flash1 (one run per runner and
 * payload, however many scenario tests look at it; safe with JUnit's concurrent execution).
 */
final class GuestRuns {

    private final List<PayloadRunner> runners;
    private final ConcurrentHashMap<String, FutureTask<RunResult>> blankRuns = new ConcurrentHashMap<>();

    GuestRuns() {
        try {
            // The board's runner joins this list once machine-virt can boot payloads.
            runners = List.of(QemuRunner.system());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking QEMU for its version", e);
        }
    }

    List<PayloadRunner> runners() {
        return runners;
    }

    /** The run of {@code payload} on {@code runner} with a fresh blank flash1, done once. */
    RunResult blank(PayloadRunner runner, String payload) throws Exception {
        FutureTask<RunResult> task = new FutureTask<>(() -> runner.run(RunSpec.of(payload)));
        FutureTask<RunResult> existing = blankRuns.putIfAbsent(runner.name() + "|" + payload, task);
        if (existing == null) {
            task.run();
            existing = task;
        }
        try {
            return existing.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
    }
}
