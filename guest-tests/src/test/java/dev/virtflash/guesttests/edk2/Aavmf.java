package dev.virtflash.guesttests.edk2;

import dev.virtflash.testkit.MachineSetup;
import dev.virtflash.testkit.TestBoard;
import dev.virtflash.testkit.TestMachine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Debian's AAVMF ({@code qemu-efi-aarch64}, EDK2 2022.11 ArmVirtQemu) and how the tests drive it to the UEFI Shell,
 * pressing the keys {@code docs/firmware-devices.md} measured on QEMU: Enter right after the second screen clear
 * (it skips BDS's 5-second wait) and a space at the Shell's {@code startup.nsh} countdown.
 */
final class Aavmf {

    /** The code image, as Debian installs it: read-only in bank 0. */
    static final Path CODE = Path.of("/usr/share/AAVMF/AAVMF_CODE.fd");
    /** The UEFI Shell's prompt. */
    static final String SHELL_PROMPT = "Shell> ";
    /** The console right after the second screen clear (the graphics console switches to text mode in between). */
    static final String SECOND_CLEAR = "\u001b[=3h\u001b[2J";
    /** The Shell's countdown before running startup.nsh; any key skips it. */
    static final String STARTUP_NSH = "startup.nsh";
    /** Banner of the SEC phase. */
    static final String BANNER = "UEFI firmware";
    /** Generous for a loaded 2-core machine: a boot takes 3 to 10 seconds there. */
    static final Duration TIMEOUT = Duration.ofSeconds(90);

    /** EFI_GLOBAL_VARIABLE, the GUID the Shell's {@code setvar} examples use. */
    static final String GLOBAL_GUID = "8BE4DF61-93CA-11D2-AA0D-00E098032B8C";

    private Aavmf() {
    }

    /** A setup on our board: AAVMF_CODE.fd read-only in bank 0, {@code vars} writable in bank 1. */
    static MachineSetup machine(TestBoard board, Path vars) {
        return board.machine().name("aavmf").flash(0, CODE, "raw", true).flash(1, vars, "raw", false)
                .awaitTimeout(TIMEOUT);
    }

    /** From power-on (or a reset) to the Shell prompt, pressing the keys; returns the console up to the prompt. */
    static String toShell(TestMachine m) {
        StringBuilder log = new StringBuilder(m.await(BANNER));
        log.append(m.await(SECOND_CLEAR));
        m.type("\r");
        log.append(m.await(STARTUP_NSH));
        m.type(" ");
        log.append(m.await(SHELL_PROMPT));
        return log.toString();
    }

    /**
     * Runs a Shell command and returns its output: the text between the echoed command line and the next prompt,
     * with carriage returns and the Shell's colour and cursor escapes removed.
     */
    static String run(TestMachine m, String line) {
        m.type(line + "\r");
        String text = plain(m.await(SHELL_PROMPT));
        int echo = text.indexOf(line);
        int start = echo < 0 ? 0 : text.indexOf('\n', echo) + 1;
        int end = text.length() - SHELL_PROMPT.length();
        return start <= 0 || start > end ? "" : text.substring(start, end);
    }

    /** The text without CR and without ANSI escape sequences (the Shell colours its output). */
    static String plain(String s) {
        return s.replace("\r", "").replaceAll("\u001b\\[[0-9;=?]*[A-Za-z]", "");
    }

    /** Fails early with a clear message if Debian's AAVMF is not installed. */
    static void requireInstalled() {
        if (!Files.isReadable(CODE)) {
            throw new IllegalStateException(CODE + " is missing: run scripts/setup.sh (it installs qemu-efi-aarch64)");
        }
    }
}
