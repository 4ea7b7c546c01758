package dev.virtflash.guesttests.uboot;

import dev.virtflash.testkit.MachineSetup;
import dev.virtflash.testkit.TestBoard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's U-Boot for QEMU ({@code u-boot-qemu} 2023.01, {@code qemu_arm64}) and how the tests talk to it: interrupt
 * the autoboot at its countdown, then one command per prompt. The same script runs on our board and on QEMU 7.2
 * ({@link #qemu}), so their transcripts can be compared line by line.
 */
final class UBoot {

    /** The firmware, as Debian installs it. */
    static final Path BIN = Path.of("/usr/lib/u-boot/qemu_arm64/u-boot.bin");
    /** The prompt (CONFIG_SYS_PROMPT). */
    static final String PROMPT = "=> ";
    /** Printed before the autoboot countdown; any key stops it. */
    static final String AUTOBOOT = "Hit any key to stop autoboot";
    /** Boot line of a CRC-checked environment (ENV_IS_IN_FLASH, spec §4.1). */
    static final String ENV_OK = "Loading Environment from Flash... OK";
    /** Boot line of a blank or broken environment. */
    static final String ENV_BAD_CRC = "*** Warning - bad CRC, using default environment";
    /** Generous for a loaded 2-core machine; a boot takes about a second. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private UBoot() {
    }

    /** Waits for the autoboot countdown, stops it with a space, waits for the prompt; returns the boot log. */
    static String toPrompt(Console c) {
        String boot = c.await(AUTOBOOT);
        c.type(" ");
        return clean(boot + c.await(PROMPT));
    }

    /**
     * Types one command line and returns its output: the lines between the echoed command and the next prompt,
     * without carriage returns.
     */
    static String run(Console c, String line) {
        c.type(line + "\r");
        String text = clean(c.await(PROMPT));
        int echo = text.indexOf(line);
        int newline = echo < 0 ? -1 : text.indexOf('\n', echo);
        int start = newline < 0 ? 0 : newline + 1;
        int end = text.length() - PROMPT.length();
        return start > end ? "" : text.substring(start, end);
    }

    /**
     * Types {@code reset} and follows the machine through its restart to the prompt again; returns the new boot log.
     */
    static String reset(Console c) {
        c.type("reset\r");
        return toPrompt(c);
    }

    /** Runs each line in turn; returns "=> LINE\nOUTPUT" per command, as a person would read the session. */
    static List<String> script(Console c, List<String> lines) {
        List<String> transcript = new ArrayList<>();
        for (String line : lines) {
            transcript.add(PROMPT + line + "\n" + run(c, line));
        }
        return transcript;
    }

    /** A setup on our board for U-Boot as {@code -bios}. */
    static MachineSetup bios(TestBoard board) throws IOException {
        return board.machine().name("u-boot").bios(BIN).awaitTimeout(TIMEOUT);
    }

    /**
     * Debian's QEMU 7.2 with U-Boot as {@code -bios} (flash1 as given; flash0 {@code null}) or as a flash0 image:
     * {@code qemu-system-aarch64 -M virt -cpu cortex-a57 -m 128M -nographic -nic none ...}.
     */
    static ProcessConsole qemu(Path flash0, boolean flash0ReadOnly, Path flash1) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57", "-m",
                "128M", "-nographic", "-nic", "none"));
        if (flash0 == null) {
            cmd.addAll(List.of("-bios", BIN.toString()));
        } else {
            cmd.addAll(List.of("-drive", "if=pflash,unit=0,format=raw,file=" + flash0
                    + (flash0ReadOnly ? ",readonly=on" : "")));
        }
        if (flash1 != null) {
            cmd.addAll(List.of("-drive", "if=pflash,unit=1,format=raw,file=" + flash1));
        }
        return new ProcessConsole("qemu", cmd, TIMEOUT);
    }

    /** The text without carriage returns. */
    static String clean(String s) {
        return s.replace("\r", "");
    }

    /** Fails early with a clear message if Debian's U-Boot is not installed. */
    static void requireInstalled() {
        if (!Files.isReadable(BIN)) {
            throw new IllegalStateException(BIN + " is missing: run scripts/setup.sh (it installs u-boot-qemu)");
        }
    }
}
