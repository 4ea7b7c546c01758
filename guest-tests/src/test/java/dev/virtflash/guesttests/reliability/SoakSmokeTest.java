package dev.virtflash.guesttests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.virtflash.app.reliability.Soak;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak harness on real U-Boot, briefly (the 100-cycle soak is {@code scripts/soak.sh}): three cycles of
 * {@code setenv; saveenv}, the environment checked on the image (CRC and value), {@code reset}, {@code printenv} after
 * the reboot. The footprint is printed, not judged: three cycles are still warming up.
 */
class SoakSmokeTest {

    @TempDir
    Path dir;

    @Test
    void ubootSavesItsEnvironmentAcrossResets() throws Exception {
        Soak.Result r = Soak.uboot(Path.of("/usr/lib/u-boot/qemu_arm64/u-boot.bin"), dir.resolve("flash1.img"), 1,
                2, new PrintStream(PrintStream.nullOutputStream()));
        System.out.println(r.describe());
        assertNull(r.failure(), r.describe());
        assertEquals(2, r.cycles());
    }
}
