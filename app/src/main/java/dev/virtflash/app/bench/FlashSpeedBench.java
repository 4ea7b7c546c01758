package dev.virtflash.app.bench;

import dev.virtflash.testkit.TempTree;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 17, point 4, the guest-driven figure: payload {@code flash-speed} erases all of flash bank 1, programs its
 * 64 MiB with buffered programs and reads it back, printing a line as each phase ends; run once by us and once by
 * QEMU (sparse raw images, a fresh empty bank 1), the lines are timed as they arrive on the console and each phase
 * becomes MiB/s, ours and QEMU's side by side.
 */
final class FlashSpeedBench {

    static final String PAYLOAD = "flash-speed";
    private static final String START = "flash-speed: start";
    /** The line that ends each phase, and the phase's name. */
    private static final List<String[]> PHASES = List.of(
            new String[] {"flash-speed: erased 64 MiB", "erase"},
            new String[] {"flash-speed: programmed 64 MiB", "buffered program"},
            new String[] {"flash-speed: verified 64 MiB", "verify (read back)"});
    private static final double BANK_MIB = ImageKind.BANK_SIZE / (double) (1 << 20);
    private static final long STEP_TIMEOUT_SECS = 600;

    private final List<String> javaOptions;
    private final String qemu;
    private final PrintStream out;

    FlashSpeedBench(List<String> javaOptions, String qemu, PrintStream out) {
        this.javaOptions = javaOptions;
        this.qemu = qemu;
        this.out = out;
    }

    /** Runs the payload in both emulators and prints the table; false if a run failed. */
    boolean compare(Path work, byte[] payload) throws IOException {
        out.printf(Locale.ROOT, "%nguest-driven flash throughput: payload '%s' erases, programs (buffered, 4 KiB"
                + " windows) and reads back all 64 MiB of bank 1; one run each%n", PAYLOAD);
        double[] ours;
        double[] theirs;
        try {
            ours = run(work, payload, true);
            theirs = run(work, payload, false);
        } catch (IOException e) {
            out.printf(Locale.ROOT, "  not measured: %s%n", e.getMessage());
            return false;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"phase", "ours", "QEMU", "ours MiB/s", "QEMU MiB/s", "ours/QEMU (speed)"});
        double oursTotal = 0;
        double qemuTotal = 0;
        for (int i = 0; i < PHASES.size(); i++) {
            rows.add(row(PHASES.get(i)[1], ours[i], theirs[i]));
            oursTotal += ours[i];
            qemuTotal += theirs[i];
        }
        rows.add(row("erase + program + verify", oursTotal, qemuTotal));
        out.print(BoardBench.table(rows));
        return true;
    }

    private static String[] row(String phase, double oursMillis, double qemuMillis) {
        double o = BANK_MIB / (oursMillis / 1000);
        double q = BANK_MIB / (qemuMillis / 1000);
        return new String[] {phase, String.format(Locale.ROOT, "%.0f ms", oursMillis),
            String.format(Locale.ROOT, "%.0f ms", qemuMillis), String.format(Locale.ROOT, "%.1f", o),
            String.format(Locale.ROOT, "%.1f", q), String.format(Locale.ROOT, "%.2f", o / q)};
    }

    /** One run; the milliseconds of each phase. */
    private double[] run(Path work, byte[] payload, boolean oursToo) throws IOException {
        Path dir = Files.createTempDirectory(work, oursToo ? "speed-ours-" : "speed-qemu-");
        try {
            Path f0 = ImageKind.RAW_SPARSE.create(dir.resolve("flash0"), payload);
            Path f1 = ImageKind.RAW_SPARSE.create(dir.resolve("flash1"), new byte[0]);
            List<String> cmd = new ArrayList<>();
            if (oursToo) {
                cmd.add(BoardBench.javaExecutable());
                cmd.addAll(javaOptions);
                cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BoardBench.VIRT_MAIN_CLASS));
            } else {
                cmd.add(qemu);
            }
            cmd.addAll(BoardBench.boardOptions(ImageKind.RAW_SPARSE, f0, f1));
            if (oursToo) {
                cmd.add("--rss-report=none");
            }
            try (ConsoleProcess p = new ConsoleProcess(cmd, dir)) {
                String who = oursToo ? "ours: " : "QEMU: ";
                try {
                    double last = p.await(START, STEP_TIMEOUT_SECS);
                    double[] phases = new double[PHASES.size()];
                    for (int i = 0; i < phases.length; i++) {
                        double t = p.await(PHASES.get(i)[0], STEP_TIMEOUT_SECS);
                        phases[i] = t - last;
                        last = t;
                    }
                    p.await("PASS", STEP_TIMEOUT_SECS);
                    p.waitForExit(STEP_TIMEOUT_SECS);
                    return phases;
                } catch (IOException e) {
                    throw new IOException(who + e.getMessage(), e);
                }
            }
        } finally {
            TempTree.delete(dir);
        }
    }
}
