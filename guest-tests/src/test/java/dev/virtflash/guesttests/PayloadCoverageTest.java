package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Bookkeeping that needs no emulator: every payload is run by some test, the QEMU command line, specs. */
class PayloadCoverageTest {

    @Test
    void everyPayloadIsRunBySomeTest() {
        assertEquals(new TreeSet<>(Payloads.names()), new TreeSet<>(PayloadCatalog.covered()),
                "payloads built by module firmware vs payloads run by guest-tests");
    }

    /**
     * Issue 7, acceptance 1: every scenario of these payloads runs on our board and on QEMU (ScenarioPayloadTest,
     * ReadOnlyTest) and the two are compared (DifferentialTest).
     */
    @Test
    void atLeastTwentyFiveFlashScenarios() {
        int scenarios = PayloadCatalog.BLANK_FLASH1.stream().mapToInt(e -> e.scenarios().size()).sum()
                + PayloadCatalog.READ_ONLY.scenarios().size();
        assertTrue(scenarios >= 25, "scenarios: " + scenarios);
    }

    @Test
    void everyPayloadImageFitsAndStartsWithTheRuntime() {
        for (String name : Payloads.names()) {
            byte[] image = Payloads.load(name);
            assertTrue(image.length > 64 && image.length < (1 << 20), name + ": " + image.length + " bytes");
            int first = (image[0] & 0xff) | (image[1] & 0xff) << 8 | (image[2] & 0xff) << 16 | (image[3] & 0xff) << 24;
            assertEquals(0xd5034fdf, first, name + " does not start with _start's msr daifset, #0xf");
        }
    }

    @Test
    void unknownPayloadIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Payloads.load("nope"));
        assertTrue(e.getMessage().startsWith("unknown payload 'nope': the firmware module has "), e.getMessage());
    }

    @Test
    void qemuCommandLine() {
        QemuRunner qemu = new QemuRunner("qemu-system-aarch64", "7.2.22", Set.of());
        RunSpec spec = RunSpec.of("default").withFlash1(Path.of("/i/f1.qcow2"), ImageFormat.QCOW2).readOnly();
        assertEquals(ImageFormat.QCOW2, spec.effectiveFlash1Format());
        assertEquals(ImageFormat.RAW, RunSpec.of("default").effectiveFlash1Format());
        assertEquals(List.of("qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57", "-m", "128M", "-semihosting",
                "-nographic", "-monitor", "none", "-nic", "none",
                "-drive", "if=pflash,unit=0,format=raw,file=/i/f0.img",
                "-drive", "if=pflash,unit=1,format=qcow2,file=/i/f1.qcow2,readonly=on"),
                qemu.commandLine(Path.of("/i/f0.img"), Path.of("/i/f1.qcow2"), spec));
        assertEquals(List.of("qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57", "-m", "128M", "-semihosting",
                "-nographic", "-monitor", "none", "-nic", "none",
                "-drive", "if=pflash,unit=0,format=raw,file=/i/f0.img"),
                qemu.commandLine(Path.of("/i/f0.img"), null, RunSpec.of("default").withoutFlash1()));
    }

    @Test
    void onlyCharacterisedQemuVersionsAreAccepted() {
        Set<KnownDifference> qemu72 = QemuRunner.differencesOf(7, 2, "7.2.22");
        assertTrue(qemu72.stream().noneMatch(KnownDifference.realNor()::contains), "QEMU is not real NOR");
        assertEquals(KnownDifference.values().length, qemu72.size() + KnownDifference.realNor().size(),
                "every other difference is QEMU 7.2's");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> QemuRunner.differencesOf(8, 2, "8.2.2"));
        assertTrue(e.getMessage().startsWith("QEMU 8.2.2 is not characterised"), e.getMessage());
    }

    @Test
    void runSpecRejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> RunSpec.of(" "));
        assertThrows(IllegalArgumentException.class, () -> RunSpec.of("default").withTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> RunSpec.of("default").withoutFlash1().readOnly());
    }

    @Test
    void comparableConsoleDropsOnlyTheNamedDifferencesNotes() {
        RunResult r = new RunResult(0, "a\nnote buffered-window: count-address (QEMU 7.2)\nnote other: x\nb\n", false);
        assertEquals("a\nnote other: x\nb\n",
                ScenarioReport.comparableConsole(r, Set.of(KnownDifference.BUFFERED_WINDOW_AT_COUNT_CYCLE)));
    }
}
