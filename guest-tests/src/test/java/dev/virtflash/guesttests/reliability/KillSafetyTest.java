package dev.virtflash.guesttests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.virtflash.guesttests.FlashImages;
import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.image.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGKILL while the guest erases and programs (issue 9, acceptance 1). Payload {@code flash-loop} runs in a second JVM
 * ({@code PayloadMain}) on one flash1 image, raw or qcow2; the process is killed at 50 moments drawn from a fixed
 * seed, each run continuing on the image the last one left. After each kill:
 * <ul>
 *   <li>the image opens ({@link Images#open}), and a qcow2 image passes {@code qemu-img check} (leaked clusters
 *       allowed, corruption not);</li>
 *   <li>every operation the guest reported complete is in the image;</li>
 *   <li>each 512-byte sector written back for the operation after the last report holds either its old or its new
 *       data, and every other byte of the 64 MiB is exactly what the reported operations left.</li>
 * </ul>
 * One kill in ten falls in the first 400 ms after the JVM starts (start-up, image open, first operations); the others
 * 0-700 ms after the guest's first line.
 */
class KillSafetyTest {

    private static final int KILLS = 50;
    private static final long SEED = 0x9_5EED_2024L;
    private static final long BANK = FlashImages.BANK_SIZE;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"raw", "qcow2"})
    void fiftyKillsLeaveEveryReportedOperationAndNothingElse(String format) throws Exception {
        Path image = dir.resolve("flash1." + format);
        if (format.equals("raw")) {
            FlashImages.blankRaw(image);
        } else {
            FlashImages.blankQcow2(image);
        }
        byte[] region = new byte[FlashLoopSchedule.REGION_LENGTH];       // a blank image: all zero
        Random random = new Random(SEED + format.length());
        long reported = 0;
        int landed = 0;
        int notLanded = 0;
        int torn = 0;
        long started = System.nanoTime();
        for (int k = 0; k < KILLS; k++) {
            String what = format + " kill " + k;
            List<String> lines;
            try (ChildJvm child = ChildJvm.start("dev.virtflash.app.reliability.PayloadMain",
                    List.of("flash-loop", image.toString(), format), dir, "run-" + k)) {
                if (k % 10 == 0) {
                    long at = random.nextInt(400);
                    Thread.sleep(Math.max(0, at - child.millisSinceStart()));
                } else {
                    assertTrue(child.awaitFirstLine(60_000), what + ": no console output within 60 s");
                    Thread.sleep(random.nextInt(700));
                }
                child.kill();
                lines = child.lines();
                assertTrue(!child.output().contains("FAIL"), what + ": the payload failed:\n" + tail(child.output())
                        + child.stderr());
                assertTrue(child.stderr().isEmpty() || !child.stderr().contains("Exception"),
                        what + ": " + child.stderr());
            }
            long last = lastReported(lines, what);
            reported += last + 1;
            if (format.equals("qcow2")) {
                qemuImgCheck(image, what);
            }
            byte[] before = region.clone();
            for (long s = 0; s <= last; s++) {
                FlashLoopSchedule.op(s).applyTo(before);
            }
            FlashLoopSchedule.Op next = FlashLoopSchedule.op(last + 1);
            byte[] after = before.clone();
            next.applyTo(after);
            byte[] actual = readImage(image, format, what);
            if (k % 10 == 9 && format.equals("qcow2")) {
                Path raw = FlashImages.qcow2ToRaw(image, dir.resolve("converted.raw"));
                byte[] theirs = new byte[FlashLoopSchedule.REGION_LENGTH];
                try (BlockBackend b = Images.open(raw, "raw", true)) {
                    b.read(FlashLoopSchedule.REGION_OFFSET, ByteBuffer.wrap(theirs));
                }
                assertTrue(Arrays.equals(actual, theirs), what + ": qemu-img reads other data than we do");
                Files.delete(raw);
            }
            int[] oldNew = compareSectors(actual, before, after, next, what);
            if (oldNew[1] == 0) {
                notLanded++;
            } else if (oldNew[0] == 0) {
                landed++;
            } else {
                torn++;
            }
            region = actual;
        }
        System.out.printf("kill safety %s: %d kills in %.1f s, %d operations reported, interrupted operation: "
                        + "%d not in the image, %d fully in it, %d in part (sector by sector old or new)%n", format,
                KILLS, (System.nanoTime() - started) / 1e9, reported, notLanded, landed, torn);
        assertTrue(reported > KILLS * 10L, "the kills should mostly land while the loop runs: " + reported
                + " operations reported over " + KILLS + " runs");
    }

    /** Checks that the lines are "flash-loop: ready" then "done 0 ..", "done 1 ..", ... in order; returns the last. */
    private static long lastReported(List<String> lines, String what) {
        long last = -1;
        for (String line : lines) {
            if (line.equals("flash-loop: ready")) {
                assertEquals(-1, last, what + ": ready after an operation");
                continue;
            }
            String expected = FlashLoopSchedule.op(last + 1).line();
            assertEquals(expected, line, what + ": the payload and FlashLoopSchedule disagree");
            last++;
        }
        return last;
    }

    /**
     * Every sector of the interrupted operation's write-back range is old or new; everything else equals {@code
     * before} (which, outside that range, equals {@code after}). Returns {sectors still old, sectors new} of the
     * range, counting only sectors where old and new differ.
     */
    private static int[] compareSectors(byte[] actual, byte[] before, byte[] after, FlashLoopSchedule.Op next,
                                        String what) {
        long[] wb = next.writeBack();
        int from = (int) (wb[0] - FlashLoopSchedule.REGION_OFFSET);
        int to = from + (int) wb[1];
        int stillOld = 0;
        int isNew = 0;
        for (int s = 0; s < actual.length; s += FlashLoopSchedule.SECTOR) {
            int e = s + FlashLoopSchedule.SECTOR;
            boolean old = Arrays.equals(actual, s, e, before, s, e);
            boolean neu = Arrays.equals(actual, s, e, after, s, e);
            if (s >= from && s < to) {
                if (!old && !neu) {
                    fail(what + ": sector at bank offset 0x" + Long.toHexString(FlashLoopSchedule.REGION_OFFSET + s)
                            + " of the interrupted " + next + " is neither its old nor its new data");
                }
                if (!Arrays.equals(before, s, e, after, s, e)) {
                    if (neu) {
                        isNew++;
                    } else {
                        stillOld++;
                    }
                }
            } else if (!old) {
                fail(what + ": sector at bank offset 0x" + Long.toHexString(FlashLoopSchedule.REGION_OFFSET + s)
                        + " differs from what the reported operations left (the interrupted one is " + next + "): "
                        + firstDifference(actual, before, s, e) + "; operations writing this sector: "
                        + writers(FlashLoopSchedule.REGION_OFFSET + s, next.seq() + 50));
            }
        }
        return new int[] {stillOld, isNew};
    }

    private static String firstDifference(byte[] actual, byte[] expected, int from, int to) {
        for (int i = from; i < to; i++) {
            if (actual[i] != expected[i]) {
                return String.format("first at 0x%x: 0x%02x, expected 0x%02x", FlashLoopSchedule.REGION_OFFSET + i,
                        actual[i] & 0xFF, expected[i] & 0xFF);
            }
        }
        return "none";
    }

    /** The operations up to {@code seq} whose write-back covers the sector at bank offset {@code sector}. */
    private static String writers(long sector, long seq) {
        List<String> w = new ArrayList<>();
        for (long s = 0; s <= seq; s++) {
            long[] wb = FlashLoopSchedule.op(s).writeBack();
            if (sector >= wb[0] && sector < wb[0] + wb[1]) {
                w.add(Long.toString(s));
            }
        }
        return String.join(" ", w);
    }

    /** Opens the image as the board does; returns the looped region and asserts the rest of the bank is zero. */
    private static byte[] readImage(Path image, String format, String what) throws IOException {
        byte[] region = new byte[FlashLoopSchedule.REGION_LENGTH];
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        try (BlockBackend b = Images.open(image, format, true)) {
            assertEquals(BANK, b.size(), what);
            for (long at = 0; at < BANK; at += chunk.capacity()) {
                if (at == FlashLoopSchedule.REGION_OFFSET) {
                    b.read(at, ByteBuffer.wrap(region));
                    continue;
                }
                chunk.clear();
                b.read(at, chunk);
                for (int i = 0; i < chunk.capacity(); i++) {
                    if (chunk.get(i) != 0) {
                        fail(what + ": byte at bank offset 0x" + Long.toHexString(at + i)
                                + " outside the looped blocks is 0x" + Integer.toHexString(chunk.get(i) & 0xFF));
                    }
                }
            }
        }
        return region;
    }

    private static void qemuImgCheck(Path image, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("qemu-img", "check", "-f", "qcow2", image.toString()).redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), what + ": qemu-img check hangs");
        // 0: clean, 3: leaked clusters only; 2: corruption, 1: could not check
        assertTrue(p.exitValue() == 0 || p.exitValue() == 3, what + ": qemu-img check exit " + p.exitValue()
                + ":\n" + out);
    }

    private static String tail(String s) {
        List<String> l = new ArrayList<>(List.of(s.split("\n")));
        return String.join("\n", l.subList(Math.max(0, l.size() - 5), l.size())) + "\n";
    }
}
