package dev.virtflash.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile guests through the real command (issue 6, acceptance 7): each run ends with a clear one-line report on
 * stderr, the flash RSS report, and a non-zero exit - never a JVM crash (the jump runs as a separate process, so a
 * crash would show as its exit status) - and the JVM goes on to run a good guest afterwards.
 */
class HostileGuestTest {

    @TempDir
    Path tmp;

    @Test
    void jumpToUnmappedMemoryEndsTheRunWithTheAddressAndExitTwo() throws Exception {
        CliRun r = CliRun.process(tmp, "--payload", "hostile-jump");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("hostile-jump: branching to 0x0f000000\n"), r.out());
        assertTrue(r.out().contains("flash RSS report"), r.out());
        List<String> err = r.errLines();
        assertEquals(2, err.size(), r.err());
        assertTrue(err.get(0).startsWith("virt: payload 'hostile-jump' on flash images in "), err.get(0));
        assertEquals("virt: guest instruction fetch of 4 byte(s) at 0x000000000f000000 (pc 0x000000000f000000): no"
                + " memory or device is mapped there", err.get(1));
    }

    @Test
    void randomWritesAllOverBothBanksEndWithTheGuestsReportAndTheSameImagesEveryTime() throws Exception {
        byte[][] first = null;
        // flash1 starts erased, as a new chip: on real NOR a program only clears bits, so on a zero bank only an erase
        // could change anything
        byte[] erased = new byte[(int) CliRun.BANK];
        java.util.Arrays.fill(erased, (byte) 0xFF);
        for (String run : List.of("first", "second")) {
            Path dir = Files.createDirectory(tmp.resolve(run));
            Path f0 = CliRun.image(dir.resolve("flash0.img"), CliRun.payload("hostile-writes"));
            Path f1 = CliRun.image(dir.resolve("flash1.img"), erased);
            CliRun r = CliRun.inProcess(dir, "-drive", "if=pflash,unit=0,format=raw,file=" + f0,
                    "-drive", "if=pflash,unit=1,format=raw,file=" + f1, "-semihosting", "--rss-report");
            assertEquals(4, r.exitCode(), r.err());
            assertEquals(List.of("virt: guest exited through semihosting with code 4 (reason 0x20026)"), r.errLines());
            List<String> out = r.out().lines().toList();
            assertEquals("hostile-writes: 20000 random stores to both flash banks, from RAM", out.get(0));
            assertTrue(out.contains("hostile-writes: stores done: 20000 (ending from RAM with exit code 4)"),
                    r.out());
            assertTrue(out.contains("flash RSS report"), r.out());
            assertEquals(CliRun.BANK, Files.size(f0));
            assertEquals(CliRun.BANK, Files.size(f1));
            byte[][] images = {Files.readAllBytes(f0), Files.readAllBytes(f1)};
            if (first == null) {
                first = images;
                byte[] untouched = new byte[(int) CliRun.BANK];
                byte[] payload = CliRun.payload("hostile-writes");
                System.arraycopy(payload, 0, untouched, 0, payload.length);
                assertFalse(java.util.Arrays.equals(untouched, images[0]), "the stores changed flash0");
                assertFalse(java.util.Arrays.equals(erased, images[1]), "the stores changed flash1");
            } else {
                assertArrayEquals(first[0], images[0], "fixed seed: flash0 the same after both runs");
                assertArrayEquals(first[1], images[1], "fixed seed: flash1 the same after both runs");
            }
        }
        CliRun good = CliRun.inProcess(tmp, "--rss-report=none");
        assertEquals(0, good.exitCode(), good.err());
        assertTrue(good.out().lines().anyMatch("PASS"::equals), good.out());
    }

    @Test
    void spinningForeverIsStoppedAtTheTimeout() throws Exception {
        CliRun r = CliRun.inProcess(tmp, "--payload", "hang", "--timeout", "0.5");
        assertEquals(124, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("hang: spinning forever\n"), r.out());
        assertTrue(r.out().contains("flash RSS report"), r.out());
        List<String> err = r.errLines();
        assertEquals(2, err.size(), r.err());
        assertTrue(err.get(1).matches("virt: guest still running after 500 ms; stopped at pc 0x[0-9a-f]{16}"),
                err.get(1));
        assertNotEquals("virt: guest still running after 500 ms; stopped at pc 0x0000000000000000", err.get(1));
    }
}
