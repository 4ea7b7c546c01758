package dev.virtflash.guesttests.uboot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.testkit.FlashImage;
import dev.virtflash.testkit.TestBoard;
import dev.virtflash.testkit.TestMachine;
import dev.virtflash.testkit.VirtBoardExtension;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 8: {@code reset} at the U-Boot prompt restarts the machine in the same process, as QEMU does: the flash
 * banks keep what was written to them, and the {@code -bios} image is copied into bank 0 again. The test erases
 * the start of bank 0 (U-Boot runs from RAM by then), programs a pattern past the end of the firmware, resets, and
 * checks that U-Boot boots again (so the firmware was copied back), that the pattern is still there, and that the
 * environment saved before the reset is loaded. The commands after {@code saveenv} are run on QEMU 7.2 as well and
 * must print the same.
 */
@ExtendWith(VirtBoardExtension.class)
class UBootResetTest {

    static final List<String> BEFORE_RESET = List.of(
            "protect off 0 +0x40000",
            "erase 0 +0x40000",
            "md.b 0 0x10",
            "erase 0x100000 +0x20000",
            "mw.b 0x40200000 0x3c 0x100",
            "cp.b 0x40200000 0x100000 0x100",
            "md.b 0x100000 0x10");
    static final List<String> AFTER_RESET = List.of(
            "md.b 0 0x10",
            "md.b 0x100000 0x10");

    @BeforeAll
    static void uBootIsInstalled() {
        UBoot.requireInstalled();
    }

    @Test
    void resetRestartsInPlaceKeepingFlashAndRecopyingTheBios(TestBoard board) throws Exception {
        Path flash1 = board.image("flash1.img", FlashImage.raw());
        List<String> ours;
        try (TestMachine m = UBoot.bios(board).flash(1, flash1).start()) {
            Console c = Console.of(m);
            UBoot.toPrompt(c);
            UBoot.run(c, "setenv foo bar");
            assertTrue(UBoot.run(c, "saveenv").endsWith("OK\n"));
            ours = UBoot.script(c, BEFORE_RESET);
            String reboot = UBoot.reset(c);
            assertTrue(reboot.contains("resetting ...\n"), reboot);
            assertTrue(reboot.contains(UBoot.ENV_OK), "the environment saved before the reset: " + reboot);
            assertEquals(1, m.resets());
            assertEquals("foo=bar\n", UBoot.run(c, "printenv foo"));
            List<String> after = UBoot.script(c, AFTER_RESET);
            assertEquals("=> md.b 0 0x10\n00000000: " + hex(firstBytes(16)) + "\n", after.get(0),
                    "bank 0 holds the firmware again");
            assertEquals("=> md.b 0x100000 0x10\n00100000: " + "3c ".repeat(16) + " <<<<<<<<<<<<<<<<\n",
                    after.get(1), "the pattern written before the reset is kept");
            ours.addAll(after);
        }
        assertEquals("=> md.b 0 0x10\n00000000: " + "ff ".repeat(16) + " ................\n", ours.get(2));
        List<String> qemu;
        try (ProcessConsole q = UBoot.qemu(null, false, board.image("qemu-flash1.img", FlashImage.raw()))) {
            UBoot.toPrompt(q);
            qemu = UBoot.script(q, BEFORE_RESET);
            UBoot.reset(q);
            qemu.addAll(UBoot.script(q, AFTER_RESET));
        }
        assertEquals(qemu, ours);
    }

    private static byte[] firstBytes(int n) throws Exception {
        try (InputStream in = Files.newInputStream(UBoot.BIN)) {
            return in.readNBytes(n);
        }
    }

    /** U-Boot's md.b line body: "xx xx ... xx  ascii". */
    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        StringBuilder ascii = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x ", x & 0xFF));
            ascii.append(x >= 0x20 && x < 0x7F ? (char) x : '.');
        }
        return s + " " + ascii;
    }
}
