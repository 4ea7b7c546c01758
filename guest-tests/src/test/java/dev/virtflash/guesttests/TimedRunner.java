package dev.virtflash.guesttests;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** A runner that counts its runs and the time they took (for the guest suite's summary line). */
final class TimedRunner implements PayloadRunner {

    private final PayloadRunner runner;
    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong nanos = new AtomicLong();

    TimedRunner(PayloadRunner runner) {
        this.runner = runner;
    }

    @Override
    public String name() {
        return runner.name();
    }

    @Override
    public Set<KnownDifference> knownDifferences() {
        return runner.knownDifferences();
    }

    @Override
    public Set<ImageFormat> imageFormats() {
        return runner.imageFormats();
    }

    @Override
    public RunResult run(RunSpec spec) throws IOException, InterruptedException {
        long start = System.nanoTime();
        try {
            return runner.run(spec);
        } finally {
            nanos.addAndGet(System.nanoTime() - start);
            runs.incrementAndGet();
        }
    }

    /** Counts a run made outside {@link #run} (e.g. a command line started by a test) on this board. */
    void record(long tookNanos) {
        nanos.addAndGet(tookNanos);
        runs.incrementAndGet();
    }

    long runs() {
        return runs.get();
    }

    /** Time spent in runs, summed over runs that overlapped. */
    long nanos() {
        return nanos.get();
    }

    @Override
    public String toString() {
        return name();
    }
}
