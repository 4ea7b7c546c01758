package dev.virtflash.guesttests.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.guesttests.uboot.ProcessConsole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, acceptance 6: Debian's arm64 kernel ({@code linux-image-*-arm64} of the machine's release) with a
 * busybox-static initramfs, both fetched and built by {@code scripts/linux-guest.sh} (run by {@code setup.sh}),
 * booted with QEMU's {@code -kernel}/{@code -initrd}/{@code -append} command line by {@code virt} and by
 * {@code qemu-system-aarch64}: both reach the shell, run a command typed on the console and power off; the boot log
 * lines of the devices we model (CPU, PSCI, GIC, timer, PL011, PL031) are the same, timestamps and clock aside.
 */
class LinuxBootTest {

    static final Path DIR = Path.of(System.getProperty("user.home"), ".cache", "virtflash", "linux-guest");
    static final Duration TIMEOUT = Duration.ofMinutes(3);
    static final String READY = "busybox initramfs: shell ready";
    /** Boot log lines about what both boards have (GICv2m, PMU, PCIe, GPIO are QEMU's only). */
    static final Pattern MODELLED = Pattern.compile("Booting Linux|Linux version|Machine model|psci|CPU features"
            + "|Kernel command line|gic|GIC|arch_timer|pl011|ttyAMA|pl031|Run /init");

    static List<String> arguments() {
        Path image = DIR.resolve("Image");
        Path initrd = DIR.resolve("initramfs.cpio.gz");
        assertTrue(Files.isRegularFile(image) && Files.isRegularFile(initrd),
                "no kernel in " + DIR + ": run scripts/setup.sh (it runs scripts/linux-guest.sh)");
        return List.of("-M", "virt", "-cpu", "cortex-a57", "-m", "128M", "-nographic", "-monitor", "none", "-nic",
                "none", "-smp", "1", "-no-reboot", "-kernel", image.toString(), "-initrd", initrd.toString(),
                "-append", "console=ttyAMA0");
    }

    /** Boots, runs {@code uname -a} at the prompt, powers off; returns the boot log up to the shell. */
    static String boot(String name, List<String> command) throws Exception {
        try (ProcessConsole c = new ProcessConsole(name, command, TIMEOUT)) {
            String log = c.await(READY);
            c.await("# ");
            c.type("uname -a\r");
            String uname = c.await("# ");
            assertTrue(uname.contains("Linux (none) 6.") && uname.contains(" aarch64 GNU/Linux"), name + ": " + uname);
            c.type("poweroff -f\r");
            assertEquals(0, c.waitFor(Duration.ofSeconds(60)), () -> name + ": " + c.console());
            assertTrue(c.console().contains("reboot: Power down"), c.console());
            return log;
        }
    }

    static List<String> modelled(String log) {
        return log.lines().map(l -> l.replace("\r", "").replaceFirst("^\\[ *[0-9.]+\\] ", ""))
                .filter(l -> MODELLED.matcher(l).find() && !l.contains("GICv2m"))
                .map(l -> l.replaceAll("\\d{4}-\\d\\d-\\d\\dT[0-9:]+ UTC \\(\\d+\\)", "<time>"))
                .collect(Collectors.toList());
    }

    @Test
    void debiansKernelReachesABusyboxShellAsOnQemu() throws Exception {
        List<String> virt = new ArrayList<>(LinuxClient.Emulator.VIRT.launcher());
        virt.addAll(arguments());
        List<String> qemu = new ArrayList<>(List.of("qemu-system-aarch64"));
        qemu.addAll(arguments());

        List<String> theirs = modelled(boot("qemu", qemu));
        List<String> ours = modelled(boot("virt", virt));
        assertTrue(theirs.size() >= 20 && theirs.stream().anyMatch(l -> l.contains("Run /init")), theirs::toString);
        assertEquals(String.join("\n", theirs), String.join("\n", ours));
    }
}
