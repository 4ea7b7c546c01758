package dev.virtflash.guesttests;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an emulator process to its end: stdin closed, stdout kept as the console and stderr as the diagnostics (both
 * bounded, head and tail), killed at the time limit.
 */
final class ProcessRun {

    /** Console bounds, shared with {@link BoardRunner}: a flood keeps its first 256 KiB and its last 64 KiB. */
    static final int CONSOLE_HEAD = 256 << 10;
    static final int CONSOLE_TAIL = 64 << 10;
    private static final int DIAGNOSTICS_HEAD = 16 << 10;
    private static final int DIAGNOSTICS_TAIL = 16 << 10;

    private ProcessRun() {
    }

    /**
     * Runs {@code cmd}; its exit code is the result's, or the result is {@link RunResult#timedOut()} when it was
     * killed after {@code timeout}.
     */
    static RunResult execute(List<String> cmd, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        try (ConsoleCapture out = new ConsoleCapture(p.getInputStream(), "stdout-" + cmd.get(0), CONSOLE_HEAD, CONSOLE_TAIL);
             ConsoleCapture err = new ConsoleCapture(p.getErrorStream(), "stderr-" + cmd.get(0), DIAGNOSTICS_HEAD,
                     DIAGNOSTICS_TAIL)) {
            boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                // through the handle: Process.destroyForcibly would also close our ends of the pipes and lose
                // what the process wrote last
                p.toHandle().destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            out.awaitEnd(5_000);
            err.awaitEnd(5_000);
            String diagnostics = err.text();
            if (!finished) {
                diagnostics = "stopped after " + timeout.toMillis() + " ms\n" + diagnostics;
            }
            if (out.failure() != null) {
                diagnostics += "\nreading the console failed: " + out.failure();
            }
            return new RunResult(finished ? p.exitValue() : RunResult.NO_EXIT_CODE, out.text(), !finished,
                    diagnostics);
        } finally {
            if (p.isAlive()) {
                p.toHandle().destroyForcibly();
            }
        }
    }

}
