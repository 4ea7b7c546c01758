package dev.virtflash.app.bench;

import dev.virtflash.testkit.TempTree;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Linux flash row of the board benchmark (issue 16): Debian's kernel with the MTD modules and the initramfs of
 * {@code scripts/linux-client.sh}, booted with {@code -kernel} by us and by {@code qemu-system-aarch64} with the same
 * command line and an empty bank 1, runs {@code mtd_speedtest} on bank 1 ({@code /dev/mtd1}, 8 erase blocks) and
 * powers off. Side by side with the ratio: the time from the launch until the init script starts its step (kernel
 * boot, then the CFI, physmap and partition modules loaded and the flash probed), and each figure
 * {@code mtd_speedtest} prints (KiB/s, measured by the guest's own clock). One boot each: the test averages over its
 * blocks itself. Issue 16 sets no target for these figures; the Linux row above has the boot-to-shell time.
 */
final class LinuxMtdBench {

    /** Where {@code scripts/linux-client.sh} leaves the kernel and the initramfs. */
    static final Path DIR = Path.of(System.getProperty("user.home"), ".cache", "virtflash", "linux-client");
    private static final String STEP = "virtflash: step speed begin";
    private static final String DONE = "virtflash: done, ";
    private static final long TIMEOUT_SECS = 300;
    private static final long EXIT_TIMEOUT_SECS = 30;
    private static final Pattern SPEED = Pattern.compile("mtd_speedtest: (.+) speed is (\\d+) KiB/s");

    private final List<String> javaOptions;
    private final String qemu;
    private final PrintStream out;

    LinuxMtdBench(List<String> javaOptions, String qemu, PrintStream out) {
        this.javaOptions = javaOptions;
        this.qemu = qemu;
        this.out = out;
    }

    /** What one boot measured: milliseconds to the init script's step, and the speed test's figures in KiB/s. */
    record Run(double millisToStep, Map<String, Long> speeds) {
    }

    /** Ours against QEMU; false if a boot failed or the two printed different figures. */
    boolean compare(Path work) throws IOException {
        out.printf(Locale.ROOT, "%nLinux flash: mtd_speedtest on bank 1 (scripts/linux-client.sh: -kernel, %s, 8 erase"
                + " blocks; one boot each)%n", "mtdparts=0.flash:64m(flash0),64m(flash1)");
        Path image = DIR.resolve("Image");
        if (!Files.isReadable(image)) {
            out.printf(Locale.ROOT, "  not measured: %s is missing (scripts/setup.sh builds it)%n", image);
            return false;
        }
        Path dir = Files.createTempDirectory(work, "linux-mtd-");
        try {
            Run ours = boot(dir, ours(dir.resolve("flash1.img")));
            Run theirs = boot(dir, qemu(dir.resolve("flash1.img")));
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"metric", "ours", "QEMU", "ours/QEMU"});
            rows.add(new String[] {"launch to the init step (flash probed)",
                String.format(Locale.ROOT, "%.0f ms", ours.millisToStep()),
                String.format(Locale.ROOT, "%.0f ms", theirs.millisToStep()),
                String.format(Locale.ROOT, "%.2f", ours.millisToStep() / theirs.millisToStep())});
            for (Map.Entry<String, Long> e : theirs.speeds().entrySet()) {
                Long o = ours.speeds().get(e.getKey());
                rows.add(new String[] {e.getKey() + " speed", o == null ? "-" : o + " KiB/s", e.getValue() + " KiB/s",
                    o == null || e.getValue() == 0 ? "-" : String.format(Locale.ROOT, "%.2f",
                            (double) o / e.getValue())});
            }
            out.print(BoardBench.table(rows));
            boolean same = ours.speeds().keySet().equals(theirs.speeds().keySet()) && !ours.speeds().isEmpty();
            out.printf(Locale.ROOT, "  same speed tests run on both: %s (no target for these in issue 16)%n",
                    same ? "yes" : "NO");
            return same;
        } catch (IOException e) {
            out.printf(Locale.ROOT, "  not measured: %s%n", e.getMessage());
            return false;
        } finally {
            TempTree.delete(dir);
        }
    }

    private Run boot(Path dir, List<String> command) throws IOException {
        Path flash1 = dir.resolve("flash1.img");
        Files.deleteIfExists(flash1);
        try (RandomAccessFile f = new RandomAccessFile(flash1.toFile(), "rw")) {
            f.setLength(FirmwareBench.BANK_SIZE);
        }
        String who = command.get(0).equals(qemu) ? "QEMU: " : "ours: ";
        try (ConsoleProcess p = new ConsoleProcess(command, dir)) {
            double millis = p.await(STEP, TIMEOUT_SECS);
            Map<String, Long> speeds = new LinkedHashMap<>();
            String log = "";
            try {
                log = untilDone(p);
            } finally {
                p.waitForExit(EXIT_TIMEOUT_SECS);
            }
            Matcher m = SPEED.matcher(log);
            while (m.find()) {
                speeds.put(m.group(1), Long.parseLong(m.group(2)));
            }
            if (!log.contains("virtflash: step speed pass")) {
                throw new IOException(who + "mtd_speedtest did not pass: " + ConsoleProcess.printable(
                        log.substring(Math.max(0, log.length() - 300))));
            }
            return new Run(millis, speeds);
        } catch (IOException e) {
            throw e.getMessage().startsWith(who) ? e : new IOException(who + e.getMessage(), e);
        }
    }

    /** The console through the init script's last line. */
    private static String untilDone(ConsoleProcess p) throws IOException {
        p.await(DONE, TIMEOUT_SECS);
        return p.text();
    }

    private List<String> ours(Path flash1) {
        List<String> cmd = new ArrayList<>();
        cmd.add(BoardBench.javaExecutable());
        cmd.addAll(javaOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BoardBench.VIRT_MAIN_CLASS));
        cmd.addAll(boardOptions(flash1));
        return cmd;
    }

    private List<String> qemu(Path flash1) {
        List<String> cmd = new ArrayList<>();
        cmd.add(qemu);
        cmd.addAll(boardOptions(flash1));
        return cmd;
    }

    /** The same for both: no unit 0 drive (QEMU would run it as firmware), bank 1 empty. */
    static List<String> boardOptions(Path flash1) {
        return List.of("-M", "virt", "-cpu", "cortex-a57", "-m", "128M", "-nographic", "-nic", "none", "-smp", "1",
                "-no-reboot", "-kernel", DIR.resolve("Image").toString(), "-initrd",
                DIR.resolve("initramfs.cpio.gz").toString(), "-append",
                "console=ttyAMA0 mtdparts=0.flash:64m(flash0),64m(flash1) virtflash.test=speed virtflash.speedcount=8",
                "-drive", "if=pflash,unit=1,format=raw,file=" + flash1);
    }
}
