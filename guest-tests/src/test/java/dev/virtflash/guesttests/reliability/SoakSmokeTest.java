package dev.virtflash.guesttests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak harness on real U-Boot, briefly (the 100-cycle soak is {@code scripts/soak.sh}): after ten warm-up
 * cycles (the long soak's: the JIT and the translation buffer fill during the first ones), ten cycles of {@code setenv; saveenv}, the environment checked on the image (CRC and value), {@code reset},
 * {@code printenv} after the reboot. Judged as the long soak is: RSS grows by at most 2 %, and open descriptors,
 * threads and mapped address space not at all. It runs in a JVM of its own ({@link ChildJvm#MEASURING_JVM_OPTIONS}):
 * this one's heap, shared with every other test class, moves RSS by more than 2 % on its own.
 */
class SoakSmokeTest {

    @TempDir
    Path dir;

    @Test
    void ubootSavesItsEnvironmentAcrossResetsAndNothingGrows() throws Exception {
        try (ChildJvm soak = ChildJvm.start(ChildJvm.MEASURING_JVM_OPTIONS, Map.of(),
                "dev.virtflash.app.reliability.Soak", List.of("--uboot", "10", "--warmup", "10", "--dir",
                        dir.toString()), dir, "soak")) {
            int rc = soak.waitFor(300);
            String out = soak.output();
            System.out.print(out);
            assertTrue(out.contains("U-Boot soak: 10 measured cycles") && out.contains("every cycle right"), out);
            assertEquals(0, rc, "RSS at most +2 %, no new fds, threads or address space:\n" + out + soak.stderr());
        }
    }
}
