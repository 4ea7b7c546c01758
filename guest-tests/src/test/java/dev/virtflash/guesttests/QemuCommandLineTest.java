package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, acceptance 3: the default payload booted with a QEMU user's command line,
 *
 * <pre>
 * -M virt -cpu cortex-a57 -semihosting -nographic
 *     -drive if=pflash,unit=0,format=raw,file=F0 -drive if=pflash,unit=1,format=raw,file=F1
 * </pre>
 *
 * once after {@code qemu-system-aarch64} and once after our {@code virt} command (the CLI's {@code Main} in a JVM of
 * its own, as {@code ./virt} starts it), prints the same console lines and exits with the same code, and both leave
 * the same bytes in both banks.
 *
 * <p>QEMU alone also gets {@code -nic none}: Debian's qemu-system-arm does not ship the option ROM of the virtio NIC
 * that {@code -M virt} adds by default, and QEMU refuses to start without it ("failed to find romfile
 * efi-virtio.rom"). Our board has no NIC.
 */
@ExtendWith(GuestSuite.class)
class QemuCommandLineTest {

    /** What QEMU needs on Debian and our board does not have (see the class comment). */
    static final List<String> QEMU_ONLY = List.of("-nic", "none");
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private final GuestRuns runs;

    QemuCommandLineTest(GuestRuns runs) {
        this.runs = runs;
    }

    /** The QEMU user's options for two raw banks. */
    static List<String> options(Path flash0, Path flash1) {
        return List.of("-M", "virt", "-cpu", "cortex-a57", "-semihosting", "-nographic",
                "-drive", "if=pflash,unit=0,format=raw,file=" + flash0,
                "-drive", "if=pflash,unit=1,format=raw,file=" + flash1);
    }

    /** Our {@code virt} command as {@code ./virt} runs it, from this JVM's class path. */
    static List<String> virtCommand(List<String> options) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xss4m", "-cp", System.getProperty("java.class.path"),
                "dev.virtflash.app.Virt"));
        cmd.addAll(options);
        return cmd;
    }

    @Test
    void defaultPayloadGivesTheSameConsoleLinesAndExitCode(@TempDir Path dir) throws Exception {
        byte[] payload = Payloads.load("default");
        Path q0 = FlashImages.withPayload(dir.resolve("qemu-flash0.img"), payload);
        Path q1 = FlashImages.blankRaw(dir.resolve("qemu-flash1.img"));
        Path v0 = FlashImages.withPayload(dir.resolve("virt-flash0.img"), payload);
        Path v1 = FlashImages.blankRaw(dir.resolve("virt-flash1.img"));

        List<String> qemuOptions = new ArrayList<>(options(q0, q1));
        qemuOptions.addAll(QEMU_ONLY);
        RunResult qemu = runs.qemuCommandLine(qemuOptions, LIMIT);
        RunResult ours = runs.timed(runs.board(), () -> ProcessRun.execute(virtCommand(options(v0, v1)), LIMIT));

        assertFalse(qemu.timedOut(), qemu::describe);
        assertFalse(ours.timedOut(), ours::describe);
        assertEquals(DefaultPayloadTest.EXPECTED_CONSOLE, qemu.lines(), qemu::describe);
        assertEquals(qemu.lines(), ours.lines(), () -> "virt vs qemu-system-aarch64: " + ours.describe());
        assertEquals(0, qemu.exitCode(), qemu::describe);
        assertEquals(qemu.exitCode(), ours.exitCode(), ours::describe);
        assertEquals(-1, FlashImages.firstDifference(q0, v0), "flash0 images differ at this offset");
        assertEquals(-1, FlashImages.firstDifference(q1, v1), "flash1 images differ at this offset");
    }
}
