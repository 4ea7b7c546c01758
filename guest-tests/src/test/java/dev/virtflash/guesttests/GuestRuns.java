package dev.virtflash.guesttests;

import dev.virtflash.hw.pflash.FlashSemantics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runners of the guest suite (QEMU, the oracle, and our board), a memo of runs on a fresh blank flash1 (one run per
 * runner and payload, however many test classes look at it; safe with JUnit's concurrent execution), and the suite's
 * bookkeeping: closing it logs {@code guest suite: N payload runs, X s} with the share of each board. One instance
 * serves the whole suite: tests get it from {@link GuestSuite}.
 */
final class GuestRuns implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GuestRuns.class);

    private final QemuRunner qemuBinary;
    private final TimedRunner qemu;
    private final TimedRunner board;
    private final TimedRunner boardAsQemu72;
    private final List<PayloadRunner> runners;
    private final ConcurrentHashMap<String, FutureTask<BlankRun>> blankRuns = new ConcurrentHashMap<>();
    private final long createdNanos = System.nanoTime();
    private final Object dirLock = new Object();
    private Path imageDir;

    /** A run on a fresh blank flash1, with both banks' images as the run left them. */
    record BlankRun(RunResult result, Path flash0, Path flash1) {
    }

    GuestRuns(QemuRunner qemu, PayloadRunner board) {
        this.qemuBinary = qemu;
        this.qemu = new TimedRunner(qemu);
        this.board = new TimedRunner(board);
        this.boardAsQemu72 = new TimedRunner(new BoardRunner(board.imageFormats(), FlashSemantics.QEMU_7_2));
        this.runners = List.of(this.qemu, this.board);
    }

    /** The installed QEMU and the board of this source tree. */
    static GuestRuns create() {
        try {
            return new GuestRuns(QemuRunner.system(), new BoardRunner());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking QEMU for its version", e);
        }
    }

    /** Every runner: QEMU first, then our board. */
    List<PayloadRunner> runners() {
        return runners;
    }

    /** The runners that can attach flash1 images of {@code format}. */
    List<PayloadRunner> runners(ImageFormat format) {
        return runners.stream().filter(r -> r.imageFormats().contains(format)).collect(Collectors.toUnmodifiableList());
    }

    /** Debian's QEMU, the oracle. */
    PayloadRunner qemu() {
        return qemu;
    }

    /** Our board. */
    PayloadRunner board() {
        return board;
    }

    /**
     * Our board with QEMU 7.2's flash semantics ({@code -M virt,flash-semantics=qemu-7.2}), for the scenarios where
     * our default deliberately differs from QEMU: not one of {@link #runners()}.
     */
    PayloadRunner boardAsQemu72() {
        return boardAsQemu72;
    }

    /** QEMU run with a whole command line of the caller's, counted in the summary. */
    RunResult qemuCommandLine(List<String> options, Duration limit) throws Exception {
        return timed(qemu, () -> qemuBinary.runCommandLine(options, limit));
    }

    /** A run made without a {@link PayloadRunner} (e.g. our CLI as a process) on {@code runner}'s board, counted. */
    RunResult timed(PayloadRunner runner, Callable<RunResult> run) throws Exception {
        long start = System.nanoTime();
        try {
            return run.call();
        } finally {
            (runner == qemu ? qemu : runner == boardAsQemu72 ? boardAsQemu72 : board).record(System.nanoTime() - start);
        }
    }

    /** The run of {@code payload} on {@code runner} with a fresh blank flash1, done once. */
    RunResult blank(PayloadRunner runner, String payload) throws Exception {
        return blankRun(runner, payload).result();
    }

    /** The run of {@code payload} on {@code runner} with a fresh blank flash1 and the images it left, done once. */
    BlankRun blankRun(PayloadRunner runner, String payload) throws Exception {
        String key = runner.name() + "-" + payload;
        FutureTask<BlankRun> task = new FutureTask<>(() -> {
            Path dir = imageDir();
            Path flash0 = dir.resolve(key + "-flash0.img");
            Path flash1 = FlashImages.blankRaw(dir.resolve(key + "-flash1.img"));
            RunResult r = runner.run(RunSpec.of(payload).withFlash0(flash0).withFlash1(flash1, ImageFormat.RAW));
            return new BlankRun(r, flash0, flash1);
        });
        FutureTask<BlankRun> existing = blankRuns.putIfAbsent(key, task);
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

    /** The summary line: runs and time per board, and the suite's wall-clock time. */
    String summary() {
        double wall = (System.nanoTime() - createdNanos) / 1e9;
        return String.format(Locale.ROOT, "guest suite: %d payload runs, %.1f s wall clock (%s: %d runs, %.1f s; "
                        + "%s: %d runs, %.1f s; %s: %d runs, %.1f s; runs overlap two at a time)",
                qemu.runs() + board.runs() + boardAsQemu72.runs(), wall, qemu.name(), qemu.runs(), qemu.nanos() / 1e9,
                board.name(), board.runs(), board.nanos() / 1e9, boardAsQemu72.name(), boardAsQemu72.runs(),
                boardAsQemu72.nanos() / 1e9);
    }

    /** The suite's folder for the images of blank runs (sparse files), made on first use. */
    private Path imageDir() throws IOException {
        synchronized (dirLock) {
            if (imageDir == null) {
                imageDir = Files.createTempDirectory("virtflash-guest-suite-");
            }
            return imageDir;
        }
    }

    /**
     * Deletes the blank runs' images and logs the summary (INFO; the module's Surefire configuration shows this
     * logger's INFO lines).
     */
    @Override
    public void close() throws IOException {
        synchronized (dirLock) {
            if (imageDir != null) {
                try (Stream<Path> files = Files.list(imageDir)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.delete(f);
                    }
                }
                Files.delete(imageDir);
                imageDir = null;
            }
        }
        log.info("{}", summary());
    }
}
