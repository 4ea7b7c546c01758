package dev.virtflash.testkit;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.image.Images;
import dev.virtflash.hw.pflash.PflashCfi01;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.PageMerger;
import dev.virtflash.memory.Residency;
import dev.virtflash.virt.VirtMachine;
import dev.virtflash.virt.cpu.CpuExit;
import dev.virtflash.virt.devices.QueueConsoleSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link VirtMachine} running on its own thread, driven by a test through its console: wait for text
 * ({@link #await}), type ({@link #type}, {@link #command}), wait for the guest to end ({@link #awaitExit}), then read
 * the flash images back ({@link #readFlash}, {@link #openImage}). Made by a {@link MachineSetup}.
 *
 * <p>Failures are {@link AssertionError}s that say what was awaited, how long, how the guest ended or where it was
 * stopped (its PC), and the last {@value #TAIL_BYTES} bytes of the console. A guest that hangs, crashes or floods
 * the console never hangs the test: a wait that times out stops the machine first; a crash ends the wait at once;
 * the console is a bounded {@link ConsoleLog}; and every machine stops by itself after its run limit.
 *
 * <p>{@link #close()} (or {@link #stop()}) stops the CPU and releases the machine: RAM, banks (their write-back
 * flushed) and the image files and their locks. Reading the images ({@link #readFlash}, {@link #openImage},
 * {@link #allocatedBytes}) stops and releases the machine first, since a running machine holds their write locks;
 * the console stays readable after that.
 *
 * <p>Threads: one test thread drives a machine; the guest runs on a daemon thread named {@code virt-guest-NAME}.
 */
public final class TestMachine implements AutoCloseable {

    /** How much console a failure message shows. */
    public static final int TAIL_BYTES = 2048;

    private static final Logger LOG = LoggerFactory.getLogger(TestMachine.class);
    private static final Duration POLL = Duration.ofMillis(5);
    private static final long STOP_WAIT_MILLIS = 10_000;

    private final String name;
    private final VirtMachine machine;
    private final ConsoleLog console;
    private final QueueConsoleSource input;
    private final Path[] images;
    private final String[] formats;
    private final Duration awaitTimeout;
    private final CompletableFuture<CpuExit> exit = new CompletableFuture<>();
    private final Thread thread;
    private boolean released;
    private int resetsAtRelease;

    TestMachine(String name, VirtMachine machine, ConsoleLog console, QueueConsoleSource input, Path[] images,
                        String[] formats, Duration awaitTimeout, Duration runLimit) {
        this.name = name;
        this.machine = machine;
        this.console = console;
        this.input = input;
        this.images = images;
        this.formats = formats;
        this.awaitTimeout = awaitTimeout;
        this.thread = new Thread(() -> runGuest(runLimit), "virt-guest-" + name);
        this.thread.setDaemon(true);
    }

    /** A setup whose image templates and payload images go into {@code workDir} (which must exist). */
    public static MachineSetup in(Path workDir) {
        return new MachineSetup(workDir, m -> { });
    }

    /** Starts the guest thread; once, by {@link MachineSetup#start()}. */
    void launch() {
        thread.start();
    }

    private void runGuest(Duration runLimit) {
        try {
            CpuExit e = machine.run(runLimit);
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: {}", name, e.describe());
            }
            exit.complete(e);
        } catch (Throwable t) {
            LOG.warn("{}: the machine failed: {}", name, t.toString());
            exit.completeExceptionally(t);
        }
    }

    /** The name given in the setup (used in thread names and messages). */
    public String name() {
        return name;
    }

    // ---- console ----

    /** {@link #await(String, Duration)} with the setup's await timeout. */
    public String await(String text) {
        return await(text, awaitTimeout);
    }

    /**
     * Waits until {@code text} appears on the console after the previous match, and returns the console from the end
     * of the previous match through this one.
     *
     * @throws AssertionError if the guest ends first, or after {@code timeout} (the machine is then stopped); the
     *                        message has the exit or the PC and the console tail
     */
    public String await(String text, Duration timeout) {
        Objects.requireNonNull(text, "text");
        String[] found = new String[1];
        try {
            Awaitility.await("console text \"" + text + "\" on " + name)
                    .atMost(timeout)
                    .pollInSameThread()
                    .pollDelay(Duration.ZERO)
                    .pollInterval(POLL)
                    .until(() -> (found[0] = console.consume(text)) != null || exit.isDone());
        } catch (ConditionTimeoutException e) {
            String how = stopForDiagnosis();
            throw new AssertionError(diagnosis("no \"" + printable(text) + "\" on the console within "
                    + timeout.toMillis() + " ms", how));
        }
        if (found[0] == null) {
            found[0] = console.consume(text); // printed just before the end
        }
        if (found[0] == null) {
            throw new AssertionError(diagnosis("the guest ended before printing \"" + printable(text) + "\"",
                    endedHow()));
        }
        return found[0];
    }

    /**
     * Sends {@code text} to the UART's receive side (US-ASCII), as a person typing; the guest takes it as its
     * receive FIFO has room. Returns this machine, for {@code m.type(" ").await("=> ")}.
     */
    public TestMachine type(String text) {
        input.offer(text);
        return this;
    }

    /**
     * Types {@code line} and a carriage return (the Enter key of a terminal in raw mode), then waits for
     * {@code until} (e.g. the prompt) and returns the console in between: the echoed line and the command's output.
     */
    public String command(String line, String until) {
        type(line + "\r");
        return await(until);
    }

    /** Everything the console log still holds (its last {@link ConsoleLog#capacity()} bytes). */
    public String console() {
        return console.text();
    }

    /** The console log itself: marks, tail, bytes written and dropped. */
    public ConsoleLog consoleLog() {
        return console;
    }

    // ---- the machine ----

    /** {@link #awaitExit(Duration)} with the setup's await timeout. */
    public CpuExit awaitExit() {
        return awaitExit(awaitTimeout);
    }

    /**
     * Waits until the guest ends by itself (semihosting exit, power-off, a fault it cannot take, the run limit), and
     * returns how. A guest-requested reset does not end the run.
     *
     * @throws AssertionError after {@code timeout} (the machine is then stopped), or if the machine failed
     */
    public CpuExit awaitExit(Duration timeout) {
        try {
            return exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            String how = stopForDiagnosis();
            throw new AssertionError(diagnosis("the guest did not end within " + timeout.toMillis() + " ms", how));
        } catch (ExecutionException e) {
            throw new AssertionError(diagnosis("the machine failed", endedHow()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + name + " to end", e);
        }
    }

    /** How many resets the guest asked for (each restarts the machine in place, as QEMU does). */
    public synchronized int resets() {
        return released ? resetsAtRelease : machine.resets();
    }

    /** How many times the machine merged its RAM while the guest idled (0 with {@code memMerge(false)}). */
    public long ramMerges() {
        return machine.pageMerger().map(PageMerger::merges).orElse(0L);
    }

    /**
     * Waits until the machine has merged its RAM once more: a second after the last merge while the guest idles in
     * WFI, five while it runs (see {@link MachineSetup#memMerge}).
     *
     * @throws AssertionError if none came within {@code timeout}
     */
    public void awaitRamMerge(Duration timeout) {
        long before = ramMerges();
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> ramMerges() != before);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + ": no RAM merge within " + timeout.toMillis() + " ms (is mem-merge "
                    + "off, or the guest stopped?)");
        }
    }

    /**
     * Bytes of guest RAM that are this machine's own memory (anonymous, {@code /proc/self/smaps}): what it wrote and
     * did not merge; the pages it merged are in the pool ({@link MachineSetup#sharedPages}).
     */
    public long ramOwnBytes() {
        return Residency.anonymousBytes(machine.ram());
    }

    /** Whether the guest has ended (or was stopped). */
    public boolean hasEnded() {
        return exit.isDone();
    }

    /**
     * Stops the guest if it still runs and releases the machine (idempotent).
     *
     * @return how the run ended: the guest's own end, or {@link CpuExit.Stopped} with the PC where it was stopped
     */
    public synchronized CpuExit stop() {
        if (!released) {
            stopThread();
            resetsAtRelease = machine.resets();
            released = true;
            try {
                machine.close();
            } catch (IOException e) {
                throw new UncheckedIOException(name + ": releasing the machine failed: " + e.getMessage(), e);
            }
        }
        return result();
    }

    /** The run's end, a machine failure as a {@link CpuExit.HostError}, or null while it runs. */
    private CpuExit result() {
        if (!exit.isDone()) {
            return null;
        }
        try {
            return exit.join();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return new CpuExit.HostError("the machine failed: " + cause, cause);
        }
    }

    /** Stops and releases the machine. */
    @Override
    public void close() {
        stop();
    }

    // ---- flash images ----

    /** The image file of bank {@code unit}, or {@code null} for a bank without one (e.g. bank 0 with -bios). */
    public Path image(int unit) {
        Objects.checkIndex(unit, images.length);
        return images[unit];
    }

    /**
     * Reads {@code length} bytes at {@code offset} of bank {@code unit}'s image, through its format (a qcow2 image
     * reads as its guest-visible contents). Stops and releases the machine first.
     */
    public byte[] readFlash(int unit, long offset, int length) throws IOException {
        try (BlockBackend image = openImage(unit)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            image.read(offset, b);
            return b.array();
        }
    }

    /** Opens bank {@code unit}'s image read-only (the caller closes it). Stops and releases the machine first. */
    public BlockBackend openImage(int unit) throws IOException {
        Path file = image(unit);
        if (file == null) {
            throw new IllegalStateException(name + ": bank " + unit + " has no image file");
        }
        stop();
        return Images.open(file, formats[unit], true);
    }

    /** Bytes bank {@code unit}'s image file occupies on disk (QEMU's "disk size"). Stops the machine first. */
    public long allocatedBytes(int unit) throws IOException {
        try (BlockBackend image = openImage(unit)) {
            return image.allocatedBytes();
        }
    }

    // ---- host memory ----

    /**
     * What bank {@code unit} costs the host now. Measure where the guest is quiet (at a prompt, or after it ended) and
     * before anything stops the machine: reading an image ({@link #readFlash}) releases the banks.
     *
     * @throws IllegalStateException once the machine is released
     */
    public FlashFootprint flashFootprint(int unit) {
        synchronized (this) {
            if (released) {
                throw new IllegalStateException(name + ": the machine is released; measure before reading its images");
            }
        }
        PflashCfi01 bank = machine.flash(unit);
        HostMemory memory = bank.region().memory();
        Residency.Usage usage = Residency.usage(List.of(memory)).get(0);
        long present = Residency.presentBytes(memory);
        long owned = bank.sharedImage() == null ? usage.anonymous() : 0;
        return new FlashFootprint(usage.resident(), present, memory.dataBytes(), owned, bank.sharedImage());
    }

    // ---- diagnostics ----

    private void stopThread() {
        if (!thread.isAlive()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MILLIS);
        try {
            while (thread.isAlive()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + ": the guest thread did not stop within "
                            + STOP_WAIT_MILLIS + " ms");
                }
                machine.requestStop();
                thread.join(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name + ": interrupted while stopping the guest", e);
        }
    }

    private String stopForDiagnosis() {
        try {
            stop();
        } catch (RuntimeException e) {
            return "could not be stopped: " + e.getMessage();
        }
        return endedHow();
    }

    private String endedHow() {
        CpuExit e = result();
        return e == null ? "still running" : e.describe();
    }

    private String diagnosis(String what, String how) {
        long written = console.written();
        String tail = console.tail(TAIL_BYTES);
        StringBuilder b = new StringBuilder(name).append(": ").append(what).append('\n');
        b.append("guest: ").append(how).append(" (resets: ").append(resets()).append(")\n");
        b.append("console: ").append(written).append(" bytes");
        if (tail.length() < written) {
            b.append(", the last ").append(tail.length()).append(" shown");
        }
        b.append("\n---\n").append(printable(tail)).append("\n---");
        return b.toString();
    }

    /** The text with CR dropped and other control characters but LF and TAB as {@code \xNN}. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r') {
                continue;
            }
            if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7F)) {
                b.append(c);
            } else {
                b.append(String.format("\\x%02x", (int) c));
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "TestMachine[" + name + (released ? ", released" : exit.isDone() ? ", ended" : ", running") + "]";
    }
}
