package dev.virtflash.guesttests.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.guesttests.uboot.ProcessConsole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Debian's kernel with the MTD modules and the initramfs of {@code scripts/linux-client.sh} (run by
 * {@code setup.sh}), booted with {@code -kernel} on our board ({@code virt} in a child JVM) or on
 * {@code qemu-system-aarch64} with the same command line: no drive on pflash unit 0 (QEMU would run bank 0 as
 * firmware), bank 1 from the image given, {@code mtdparts=} splitting the concatenated {@code 0.flash} back into
 * the two banks, and {@code virtflash.test=} naming the init script's steps.
 */
final class LinuxClient {

    static final Path DIR = Path.of(System.getProperty("user.home"), ".cache", "virtflash", "linux-client");
    /** The two banks as partitions of the one device Linux makes of the {@code cfi-flash} node's two ranges. */
    static final String MTDPARTS = "mtdparts=0.flash:64m(flash0),64m(flash1)";
    static final String DONE = "virtflash: done, ";
    private static final Pattern STEP = Pattern.compile("virtflash: step (\\S+) (pass|fail)(.*)");
    /** What the kernel prints when something went wrong that the steps did not see: warnings, oopses, stalls. */
    private static final Pattern KERNEL_TROUBLE = Pattern.compile("^(WARNING: |BUG: |Internal error: |Kernel panic"
            + "|watchdog: |rcu: INFO: |INFO: task .* blocked for more than |Call trace:)");

    private LinuxClient() {
    }

    /** The command line of a boot on {@code emulator} running {@code steps}, bank 1 from {@code flash1}. */
    static List<String> command(Emulator emulator, String steps, Path flash1, String format, boolean readOnly) {
        return command(emulator, steps, null, flash1, format, readOnly);
    }

    /**
     * The same with a raw image on pflash unit 0 too ({@code flash0}, or none if null): only our board boots the
     * kernel directly then; QEMU would run bank 0 as firmware.
     */
    static List<String> command(Emulator emulator, String steps, Path flash0, Path flash1, String format,
                                boolean readOnly) {
        Path image = DIR.resolve("Image");
        Path initrd = DIR.resolve("initramfs.cpio.gz");
        assertTrue(Files.isRegularFile(image) && Files.isRegularFile(initrd),
                "no Linux client in " + DIR + ": run scripts/setup.sh (it runs scripts/linux-client.sh)");
        List<String> args = new ArrayList<>(emulator.launcher());
        args.addAll(List.of("-M", "virt", "-cpu", "cortex-a57", "-m", "128M", "-nographic", "-monitor", "none",
                "-nic", "none", "-smp", "1", "-no-reboot", "-kernel", image.toString(), "-initrd", initrd.toString(),
                "-append", "console=ttyAMA0 " + MTDPARTS + " virtflash.test=" + steps,
                "-drive", "if=pflash,unit=1,format=" + format + ",file=" + flash1 + (readOnly ? ",readonly=on" : "")));
        if (flash0 != null) {
            args.addAll(List.of("-drive", "if=pflash,unit=0,format=raw,file=" + flash0));
        }
        return args;
    }

    /**
     * Boots, waits for the init script's last line and the power-off; the console, carriage returns removed. A console
     * with a kernel warning, oops or stall fails, whole, whatever the steps said.
     */
    static String run(Emulator emulator, String steps, Path flash1, String format, Duration timeout) throws Exception {
        try (ProcessConsole c = new ProcessConsole(emulator.name, command(emulator, steps, flash1, format, false),
                timeout)) {
            c.await(DONE);
            assertEquals(0, c.waitFor(Duration.ofSeconds(60)), () -> emulator.name + ": " + c.console());
            String console = c.console().replace("\r", "");
            assertEquals(List.of(), kernelTrouble(console), () -> emulator.name + ", the whole console:\n" + console);
            return console;
        }
    }

    /** The console's lines that report a kernel warning, oops, lockup or stall, timestamps removed. */
    static List<String> kernelTrouble(String console) {
        return console.lines().map(LinuxClient::untimed).filter(l -> KERNEL_TROUBLE.matcher(l).find())
                .collect(Collectors.toList());
    }

    /** The result of each step, in order: {@code probe pass}, {@code raw fail: why}. */
    static List<String> steps(String console) {
        List<String> out = new ArrayList<>();
        for (String line : console.lines().collect(Collectors.toList())) {
            Matcher m = STEP.matcher(line);
            if (m.matches()) {
                out.add(m.group(1) + " " + m.group(2) + (m.group(2).equals("fail") ? m.group(3) : ""));
            }
        }
        return out;
    }

    /** The lines containing {@code text}, kernel timestamps removed. */
    static List<String> lines(String console, String text) {
        return console.lines().filter(l -> l.contains(text)).map(LinuxClient::untimed).collect(Collectors.toList());
    }

    /** A kernel log line without its {@code [ 12.345678] } timestamp. */
    static String untimed(String line) {
        return line.replaceFirst("^\\[ *[0-9.]+\\] ", "");
    }

    /** The emulators: ours (the CLI in a child JVM with this test's class path) and QEMU 7.2. */
    enum Emulator {
        VIRT("virt"), QEMU("qemu");

        final String name;

        Emulator(String name) {
            this.name = name;
        }

        List<String> launcher() {
            if (this == QEMU) {
                return List.of("qemu-system-aarch64");
            }
            String java = ProcessHandle.current().info().command().orElse("java");
            return List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss4m", "-cp",
                    System.getProperty("java.class.path"), "dev.virtflash.app.Virt");
        }
    }
}
