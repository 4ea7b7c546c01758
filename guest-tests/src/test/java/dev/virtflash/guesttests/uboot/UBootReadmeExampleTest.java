package dev.virtflash.guesttests.uboot;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.testkit.FlashImage;
import dev.virtflash.testkit.TestBoard;
import dev.virtflash.testkit.TestMachine;
import dev.virtflash.testkit.VirtBoardExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's U-Boot example of the test API, as the README shows it (the suite runs it). */
@ExtendWith(VirtBoardExtension.class)
class UBootReadmeExampleTest {

    static final Path UBOOT = Path.of("/usr/lib/u-boot/qemu_arm64/u-boot.bin");

    @Test
    void ubootKeepsItsEnvironmentInFlash1(TestBoard board) throws Exception {
        Path flash1 = board.image("flash1.img", FlashImage.raw());          // sparse, 64 MiB
        try (TestMachine m = board.machine().bios(UBOOT).flash(1, flash1).start()) {
            m.await("Hit any key to stop autoboot");
            m.type(" ").await("=> ");
            m.command("setenv foo bar", "=> ");
            assertTrue(m.command("saveenv", "=> ").contains("OK"));
        }
        try (TestMachine m = board.machine().bios(UBOOT).flash(1, flash1).start()) {
            assertTrue(m.await("Hit any key").contains("Loading Environment from Flash... OK"));
            m.type(" ").await("=> ");
            assertTrue(m.command("printenv foo", "=> ").contains("foo=bar"));
            byte[] env = m.readFlash(1, 0, 0x40000);                          // stops the machine first
            assertTrue(new String(env, StandardCharsets.ISO_8859_1).contains("foo=bar"));
        }
    }
}
