package dev.virtflash.app.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Busy-loop processes beside a benchmark (issue 17, point 2: "with two busy-loop processes beside it"): each is a
 * shell spinning {@code while :; do :; done}, started by {@link #start} and killed by {@link #close}, by its own
 * process handle. Zero processes is the quiet condition.
 */
final class BusyLoad implements AutoCloseable {

    private final List<Process> processes;

    private BusyLoad(List<Process> processes) {
        this.processes = processes;
    }

    /** Starts {@code count} busy loops (0 for none). */
    static BusyLoad start(int count) throws IOException {
        List<Process> started = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                started.add(new ProcessBuilder("sh", "-c", "while :; do :; done")
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start());
            }
        } catch (IOException e) {
            new BusyLoad(started).close();
            throw e;
        }
        return new BusyLoad(started);
    }

    /** How many loops run. */
    int count() {
        return processes.size();
    }

    /** A label for the bench's output. */
    String label() {
        return processes.isEmpty() ? "quiet (no busy loops added)"
                : "with " + processes.size() + " busy-loop process" + (processes.size() == 1 ? "" : "es") + " beside it";
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
