package dev.virtflash.guesttests;

import dev.virtflash.hw.pflash.FlashSemantics;
import dev.virtflash.virt.VirtMachine;
import dev.virtflash.virt.cpu.CpuExit;
import dev.virtflash.virt.devices.ConsoleSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs payloads on our board, in this JVM: a {@link VirtMachine} with flash0 holding the payload (a sparse 64 MiB raw
 * image, as {@code cli.MachineRunner} makes for {@code --payload}) and flash1 as the {@link RunSpec} says, the UART and
 * semihosting console captured with the same bounds as {@link QemuRunner}'s (head and tail), and the run limited to
 * the spec's timeout through {@link VirtMachine#run(Duration)}.
 *
 * <p>How a run ends, as a {@link RunResult}: a semihosting exit gives its code ({@code code & 0xFF}, what QEMU's
 * process exits with), PSCI {@code SYSTEM_OFF} gives 0, the time limit gives {@link RunResult#timedOut()} with the PC
 * the CPU was stopped at in the diagnostics; a guest access to nothing, an exception the binding cannot deliver, or a
 * host-side error gives the exit code the CLI would use, with the {@link CpuExit#describe()} line (address, PC) in
 * the diagnostics. Every run's diagnostics end with the CPU's last PC.
 *
 * <p>Each run gets its own machine, on its own thread with a large stack (the guest runs inside Unicorn on that
 * thread's native stack), so runs of several tests can go in parallel. Should the CPU not stop at the time limit, the
 * runner asks it to stop, and if that fails too, abandons the machine (its memory is lost, the suite goes on) and says
 * so.
 *
 * <p>Not handled: flash0 images other than raw (the payload is written into a fresh raw file), {@code -bios}.
 */
public final class BoardRunner implements PayloadRunner {

    /** The name in test reports. */
    public static final String NAME = "virtflash";
    private static final Logger log = LoggerFactory.getLogger(BoardRunner.class);
    /** Native stack for the thread that runs the guest: QEMU's TCG code runs on it, inside the Java thread. */
    private static final long CPU_THREAD_STACK = 16L << 20;
    /** How long past its time limit a run may take to come back before the runner gives up on it. */
    private static final Duration GRACE = Duration.ofSeconds(10);

    private final Set<ImageFormat> formats;
    private final FlashSemantics semantics;
    private final Set<KnownDifference> differences;

    /** A runner for the board as built from this source tree, with its defaults: raw and qcow2 flash images. */
    public BoardRunner() {
        // BoardRunnerTest checks this set against what the board does
        this(EnumSet.allOf(ImageFormat.class));
    }

    /** A runner declaring the flash1 formats it accepts. */
    BoardRunner(Set<ImageFormat> formats) {
        this(formats, FlashSemantics.REAL_NOR);
    }

    /** A runner for the board with the flash semantics given ({@code -M virt,flash-semantics=...}). */
    BoardRunner(Set<ImageFormat> formats, FlashSemantics semantics) {
        this.formats = Collections.unmodifiableSet(EnumSet.copyOf(formats));
        this.semantics = semantics;
        EnumSet<KnownDifference> d = EnumSet.of(KnownDifference.UNALIGNED_DEVICE_LOAD_AS_TWO_ALIGNED_LOADS);
        if (semantics == FlashSemantics.REAL_NOR) {
            d.addAll(KnownDifference.realNor());
            d.add(KnownDifference.BUFFERED_COUNT_ZERO_PROGRAMS); // a real part programs one word, as QEMU 7.2 does
        }
        this.differences = Collections.unmodifiableSet(d);
    }

    /** {@value #NAME}, or {@code virtflash-qemu-7.2} for the board with QEMU 7.2's flash semantics. */
    @Override
    public String name() {
        return semantics == FlashSemantics.REAL_NOR ? NAME : NAME + "-" + semantics.spelling();
    }

    /**
     * Unicorn's TCG cuts unaligned device loads as QEMU 7.2 does; with real NOR semantics (the default), the three
     * deliberate differences of the flash model (program ANDs, 0x50 keeps SR.7, a refused buffered program reports
     * status). Otherwise the board follows upstream QEMU's flash model and the architecture (no stale translations).
     */
    @Override
    public Set<KnownDifference> knownDifferences() {
        return differences;
    }

    @Override
    public Set<ImageFormat> imageFormats() {
        return formats;
    }

    @Override
    public RunResult run(RunSpec spec) throws IOException, InterruptedException {
        byte[] payload = Payloads.load(spec.payload());
        Path dir = Files.createTempDirectory("virtflash-board-");
        Path flash0 = spec.flash0() != null ? spec.flash0() : dir.resolve("flash0.img");
        Path blank1 = dir.resolve("flash1.img");
        try {
            FlashImages.withPayload(flash0, payload);
            BoundedConsole console = new BoundedConsole(ProcessRun.CONSOLE_HEAD, ProcessRun.CONSOLE_TAIL);
            VirtMachine.Builder board = VirtMachine.builder()
                    .flashImage(0, flash0, ImageFormat.RAW.option(), false)
                    .flashSemantics(semantics)
                    .console(console::put, ConsoleSource.none());
            if (!spec.noFlash1()) {
                Path flash1 = spec.flash1() != null ? spec.flash1() : FlashImages.blankRaw(blank1);
                board.flashImage(1, flash1, spec.effectiveFlash1Format().option(), spec.flash1ReadOnly());
            }
            VirtMachine machine = board.build();
            return runToEnd(machine, spec, console);
        } finally {
            if (spec.flash0() == null) {
                Files.deleteIfExists(flash0);
            }
            Files.deleteIfExists(blank1);
            Files.deleteIfExists(dir);
        }
    }

    private static RunResult runToEnd(VirtMachine machine, RunSpec spec, BoundedConsole console)
            throws IOException, InterruptedException {
        AtomicReference<CpuExit> exit = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread cpuThread = new Thread(null, () -> {
            try {
                exit.set(machine.run(spec.timeout()));
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "virtflash-board-" + spec.payload(), CPU_THREAD_STACK);
        cpuThread.setDaemon(true);
        cpuThread.start();
        cpuThread.join(spec.timeout().plus(GRACE).toMillis());
        if (cpuThread.isAlive()) {
            machine.cpu().requestStop();
            cpuThread.join(GRACE.toMillis());
        }
        if (cpuThread.isAlive()) {
            // The CPU thread is stuck outside the guest (a device or the binding): closing the machine would wait
            // for it forever, so the machine is left behind.
            log.error("{}: the board did not stop within {} ms of its time limit; machine abandoned",
                    spec.payload(), 2 * GRACE.toMillis());
            return new RunResult(RunResult.NO_EXIT_CODE, console.text(), true, "stopped after "
                    + spec.timeout().toMillis() + " ms, but the CPU thread did not return; machine abandoned");
        }
        String lastPc = "last pc " + machine.cpu().pc();
        try {
            machine.close();
        } catch (IOException e) {
            throw new IOException(spec.payload() + ": closing the board failed (flash write-back): " + e.getMessage(),
                    e);
        }
        if (failure.get() != null) {
            Throwable t = failure.get();
            StringWriter trace = new StringWriter();
            t.printStackTrace(new PrintWriter(trace));
            return result(new CpuExit.HostError("the board threw " + trace, t), console.text(), lastPc);
        }
        return result(exit.get(), console.text(), lastPc);
    }

    /** How a board run ended, as a payload run result. */
    static RunResult result(CpuExit exit, String console, String lastPc) {
        String diagnostics = exit.describe() + "\n" + lastPc;
        if (exit instanceof CpuExit.Timeout || exit instanceof CpuExit.Stopped) {
            return new RunResult(RunResult.NO_EXIT_CODE, console, true, diagnostics);
        }
        return new RunResult(exit.suggestedExitCode(), console, false, diagnostics);
    }

    @Override
    public String toString() {
        return name();
    }
}
