package dev.virtflash.guesttests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.app.reliability.Soak;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak harness on real U-Boot, briefly (the 100-cycle soak is {@code scripts/soak.sh}): after three warm-up
 * cycles, five cycles of {@code setenv; saveenv}, the environment checked on the image (CRC and value), {@code reset},
 * {@code printenv} after the reboot. Judged as the long soak is: RSS grows by at most 2 %, and open descriptors,
 * threads and mapped address space not at all.
 */
class SoakSmokeTest {

    @TempDir
    Path dir;

    @Test
    void ubootSavesItsEnvironmentAcrossResets() throws Exception {
        Soak.Result r = Soak.uboot(Path.of("/usr/lib/u-boot/qemu_arm64/u-boot.bin"), dir.resolve("flash1.img"), 3,
                5, new PrintStream(PrintStream.nullOutputStream()));
        System.out.println(r.describe());
        assertNull(r.failure(), r.describe());
        assertEquals(5, r.cycles());
        assertTrue(r.passed(), r.describe());
    }
}
