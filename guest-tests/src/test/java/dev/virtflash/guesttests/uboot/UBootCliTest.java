package dev.virtflash.guesttests.uboot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.testkit.FlashImage;
import dev.virtflash.testkit.TestBoard;
import dev.virtflash.testkit.TestMachine;
import dev.virtflash.testkit.VirtBoardExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The command line's console input reaches the PL011: {@code virt -bios u-boot.bin} as a process, its standard input
 * a pipe as a script or a person would drive it, stops the autoboot with a key, runs commands, saves the environment
 * and powers off (PSCI SYSTEM_OFF: exit code 0). A terminal (raw mode, Ctrl-A x) is tested by hand: see the README.
 */
@ExtendWith(VirtBoardExtension.class)
class UBootCliTest {

    @BeforeAll
    static void uBootIsInstalled() {
        UBoot.requireInstalled();
    }

    @Test
    void stdinDrivesUBootThroughTheCli(TestBoard board) throws Exception {
        Path flash1 = board.image("flash1.img", FlashImage.raw());
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.virtflash.app.Virt", "-M", "virt", "-cpu", "cortex-a57", "-m", "128M", "-nographic",
                "-bios", UBoot.BIN.toString(), "-drive", "if=pflash,unit=1,format=raw,file=" + flash1);
        try (ProcessConsole virt = new ProcessConsole("virt", cmd, UBoot.TIMEOUT)) {
            String boot = UBoot.toPrompt(virt);
            assertTrue(boot.contains("Flash: 64 MiB"), boot);
            assertTrue(UBoot.run(virt, "version").startsWith("U-Boot 2023.01"));
            UBoot.run(virt, "setenv foo cli");
            assertTrue(UBoot.run(virt, "saveenv").endsWith("OK\n"));
            virt.type("poweroff\r");
            assertEquals(0, virt.waitFor(Duration.ofSeconds(30)), virt.console());
            assertTrue(virt.console().contains("poweroff ..."), virt.console());
        }
        try (TestMachine m = UBoot.bios(board).flash(1, flash1).start()) {
            Console c = Console.of(m);
            assertTrue(UBoot.toPrompt(c).contains(UBoot.ENV_OK));
            assertEquals("foo=cli\n", UBoot.run(c, "printenv foo"), "the CLI's saveenv reached the image");
        }
    }
}
