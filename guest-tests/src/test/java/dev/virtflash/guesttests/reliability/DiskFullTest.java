package dev.virtflash.guesttests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.virtflash.guesttests.FlashImages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A full file system under the write-back (issue 9, acceptance 4). The CLI runs payload {@code persist-write}
 * (erases two blocks, programs a 4 KiB window and 16 words: 512 KiB to write back) with flash1 on a 1 MiB tmpfs that
 * has 96 KiB left. As QEMU does, the guest runs on and passes (it reads its own writes); each failed write-back is a
 * WARN naming the bank, range, file and reason; the CLI ends with one line saying how many write-backs failed and
 * that the image misses changes. The image holds, sector by sector, either the old (blank) or the new data, nothing
 * else; qcow2 also passes {@code qemu-img check} (leaks allowed).
 */
class DiskFullTest {

    /** persist.h: the pattern block of flash1 and what persist-write puts there. */
    private static final int PERSIST_BLOCK = 48 * 256 * 1024;
    private static final int BUF_SEED = 0xC0FFEE01;
    private static final int WORDS_AT = PERSIST_BLOCK + 0x20000;
    private static final int WORD_SEED = 0xC0FFEE02;
    private static final int CHANGED = 2 * 256 * 1024;          // the two erased blocks
    private static final Pattern SUMMARY = Pattern.compile(
            "virt: (\\S+): (\\d+) write-backs failed \\(No space left on device\\); "
                    + "the image misses the guest's last changes");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"raw", "qcow2"})
    void guestRunsOnWarnsAndTheImageHoldsOldOrNewSectors(String format) throws Exception {
        String out;
        String err;
        int rc;
        Path copy = dir.resolve("after.raw");
        try (SmallFileSystem fs = SmallFileSystem.mount(dir, 1024)) {
            Path image = fs.root().resolve("flash1." + format);
            if (format.equals("raw")) {
                FlashImages.blankRaw(image);
            } else {
                FlashImages.blankQcow2(image);
            }
            fs.fillLeaving(96);
            try (ChildJvm cli = ChildJvm.start("dev.virtflash.app.Virt", List.of("--payload", "persist-write",
                    "-drive", "if=pflash,unit=1,format=" + format + ",file=" + image, "-nographic",
                    "--rss-report=none"), dir, "cli")) {
                rc = cli.waitFor(120);
                out = cli.output();
                err = cli.stderr();
            }
            System.out.printf("disk full (%s on %s): exit %d%n%s", format, fs.kind(), rc, err);
            if (format.equals("qcow2")) {
                qemuImgCheck(image);
                FlashImages.qcow2ToRaw(image, copy);
            } else {
                Files.copy(image, copy);
            }
        }
        assertTrue(out.contains("summary: 1 scenarios, 6 checks, 0 failed"), "the guest ran on and passed:\n" + out);
        assertEquals(0, rc, "the guest's exit code (PSCI SYSTEM_OFF)\n" + err);
        assertTrue(err.contains("WARN") && err.contains("virt.flash1: could not write 0x40000 bytes at 0xc00000 back to "
                + dir.resolve("mnt").resolve("flash1." + format) + ": No space left on device"), err);
        Matcher m = SUMMARY.matcher(err);
        assertTrue(m.find(), "the CLI's last word:\n" + err);
        assertTrue(Integer.parseInt(m.group(2)) >= 2, "at least the second erase cannot fit: " + m.group());
        assertOldOrNewSectors(Files.readAllBytes(copy));
    }

    /** Every sector is the blank image's (zero) or what the guest wrote; outside the two blocks, all zero. */
    private static void assertOldOrNewSectors(byte[] image) {
        assertEquals(FlashImages.BANK_SIZE, image.length);
        byte[] guest = new byte[image.length];
        Arrays.fill(guest, PERSIST_BLOCK, PERSIST_BLOCK + CHANGED, (byte) 0xFF);
        ByteBuffer g = ByteBuffer.wrap(guest).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 1024; i++) {
            g.putInt(PERSIST_BLOCK + 4 * i, FlashImages.patternWord(BUF_SEED, i));
        }
        for (int i = 0; i < 16; i++) {
            g.putInt(WORDS_AT + 4 * i, FlashImages.patternWord(WORD_SEED, i));
        }
        byte[] zero = new byte[512];
        int newSectors = 0;
        for (int s = 0; s < image.length; s += 512) {
            boolean old = Arrays.equals(image, s, s + 512, zero, 0, 512);
            boolean neu = Arrays.equals(image, s, s + 512, guest, s, s + 512);
            if (!old && !neu) {
                fail(String.format("sector at 0x%x is neither blank nor the guest's data", s));
            }
            if (neu && !old) {
                newSectors++;
            }
        }
        System.out.printf("disk full: %d of %d changed sectors reached the image%n", newSectors, CHANGED / 512);
    }

    private static void qemuImgCheck(Path image) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("qemu-img", "check", "-f", "qcow2", image.toString()).redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "qemu-img check hangs");
        assertTrue(p.exitValue() == 0 || p.exitValue() == 3, "qemu-img check exit " + p.exitValue() + ":\n" + out);
    }
}
