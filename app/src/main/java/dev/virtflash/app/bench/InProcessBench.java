package dev.virtflash.app.bench;

import dev.virtflash.testkit.TempTree;
import dev.virtflash.virt.VirtMachine;
import dev.virtflash.virt.cpu.CpuExit;
import dev.virtflash.virt.devices.ConsoleSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * Issue 17, point 3: boards built, run and closed one after another in this JVM, so that the JVM's start is paid once
 * (what a test suite on the test kit does). Each board is what {@code ./virt} with no arguments runs: a payload in a
 * new sparse 64 MiB raw image as flash bank 0, a new empty one as bank 1; the time per board covers making the two
 * images, building the board (images opened, locked and loaded, device tree, Unicorn), the run to the payload's exit,
 * and closing it. Every board must print {@code PASS} and exit 0.
 */
public final class InProcessBench {

    /** The goal per board: a quarter of one QEMU process's launch-to-exit. */
    public static final double TARGET_MILLIS = 50;
    private static final Duration RUN_LIMIT = Duration.ofSeconds(60);

    /**
     * What the boards took.
     *
     * @param millis  time per board, in order
     * @param failure the first board that did not pass (its number and what it did), or null if all passed
     */
    public record Result(double[] millis, String failure) {

        public double median() {
            return BoardBench.median(millis);
        }

        public double first() {
            return millis[0];
        }
    }

    private InProcessBench() {
    }

    /** Runs {@code boards} boards of {@code payload} (an image for bank 0) one after another, in {@code work}. */
    public static Result run(byte[] payload, int boards, Path work) throws IOException {
        double[] millis = new double[boards];
        for (int i = 0; i < boards; i++) {
            Path dir = Files.createTempDirectory(work, "board-");
            try {
                ByteArrayOutputStream console = new ByteArrayOutputStream();
                long t0 = System.nanoTime();
                CpuExit exit = runOne(payload, dir, console);
                millis[i] = (System.nanoTime() - t0) / 1e6;
                String text = console.toString(StandardCharsets.ISO_8859_1);
                if (exit.suggestedExitCode() != 0 || !text.contains("PASS")) {
                    return new Result(Arrays.copyOf(millis, i + 1), "board " + (i + 1) + ": " + exit.describe()
                            + "; console ends: " + text.substring(Math.max(0, text.length() - 200)).strip());
                }
            } finally {
                TempTree.delete(dir);
            }
        }
        return new Result(millis, null);
    }

    private static CpuExit runOne(byte[] payload, Path dir, ByteArrayOutputStream console) throws IOException {
        Path flash0 = ImageKind.RAW_SPARSE.create(dir.resolve("flash0"), payload);
        Path flash1 = ImageKind.RAW_SPARSE.create(dir.resolve("flash1"), new byte[0]);
        VirtMachine.Builder builder = VirtMachine.builder()
                .flashImage(0, flash0, "raw", false)
                .flashImage(1, flash1, "raw", false)
                .console(console::write, ConsoleSource.none());
        try (VirtMachine machine = builder.build()) {
            return machine.run(RUN_LIMIT);
        }
    }
}
