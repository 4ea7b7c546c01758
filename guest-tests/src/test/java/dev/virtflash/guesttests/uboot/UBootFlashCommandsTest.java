package dev.virtflash.guesttests.uboot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.guesttests.FlashImages;
import dev.virtflash.guesttests.KnownDifference;
import dev.virtflash.guesttests.QemuRunner;
import dev.virtflash.testkit.FlashImage;
import dev.virtflash.testkit.TestBoard;
import dev.virtflash.testkit.TestMachine;
import dev.virtflash.testkit.VirtBoardExtension;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 8, acceptance 3 (and 6 for U-Boot): U-Boot's {@code erase}, {@code cp.b} to flash and {@code cmp.b} on bank 1
 * print what they print on QEMU 7.2, command by command, and leave the same bytes in the image; a read-only flash0
 * ignores U-Boot's erase and program and its image is unchanged, on both.
 *
 * <p>The script covers: programming over bytes that are not erased ("Flash not Erased", U-Boot's own check); one
 * U-Boot sector erase clearing QEMU's whole 256 KiB block (0x04120000 is erased too, 0x04140000 is not); a 4 KiB
 * buffered copy (two 2048-byte chunks inside the sector's first 4 KiB window, where QEMU 7.2's window bug does not
 * bite) verified by {@code cmp.b}; an unaligned one-byte copy (read-modify-write through a word program); a one-word
 * copy (a buffer program with count 0, which programs one word on our board as on a real part, fails on upstream
 * QEMU, and whose data QEMU 7.2 drops because its window lies at the sector start: U-Boot prints "done" on all
 * three); a protected sector. Two commands differ on purpose: a 256-byte copy in the sector's fourth 4 KiB window and
 * the one-word copy in its third program on our board (the window at the first data cycle, as upstream) and are
 * dropped by QEMU 7.2 ({@link KnownDifference#BUFFERED_WINDOW_AT_COUNT_CYCLE}).
 */
@ExtendWith(VirtBoardExtension.class)
class UBootFlashCommandsTest {

    static final List<String> SCRIPT = List.of(
            "md.b 0x04100000 0x10",
            "mw.b 0x40200000 0xa5 0x1000",
            "cp.b 0x40200000 0x04100000 0x100",
            "erase 0x04100000 +0x20000",
            "md.b 0x04100000 0x10",
            "md.b 0x04120000 0x10",
            "md.b 0x04140000 0x10",
            "cp.b 0x40200000 0x04100000 0x1000",
            "cmp.b 0x40200000 0x04100000 0x1000",
            "md.b 0x04100ff0 0x20",
            "cp.b 0x40200000 0x04101001 1",
            "md.b 0x04101000 0x10",
            "cp.b 0x40200000 0x04102000 2",
            "md.b 0x04102000 0x10",
            "cp.b 0x40200000 0x04103000 0x100",
            "md.b 0x04103000 0x10",
            "mw.b 0x40300000 0x5a 0x10",
            "cp.b 0x40300000 0x04100000 0x10",
            "cmp.b 0x40200000 0x04100000 0x10",
            "cmp.b 0x40300000 0x04100000 0x10",
            "erase 0x04000000 +0x20000");

    /** The command whose result shows the window difference, and its output on each side. */
    static final int WINDOW_CHECK = SCRIPT.indexOf("md.b 0x04103000 0x10");
    static final String PROGRAMMED = "=> md.b 0x04103000 0x10\n04103000: " + "a5 ".repeat(16) + " " + "................\n";
    static final String DROPPED = "=> md.b 0x04103000 0x10\n04103000: " + "ff ".repeat(16) + " " + "................\n";
    /** The one-word copy (count 0) in the sector's third window, and its output on each side. */
    static final int ONE_WORD_CHECK = SCRIPT.indexOf("md.b 0x04102000 0x10");
    static final String ONE_WORD_PROGRAMMED = "=> md.b 0x04102000 0x10\n04102000: a5 a5 " + "ff ".repeat(14) + " "
            + "................\n";
    static final String ONE_WORD_DROPPED = "=> md.b 0x04102000 0x10\n04102000: " + "ff ".repeat(16) + " "
            + "................\n";
    /** Where the one-word copy and the 256-byte copy land in the image. */
    static final long ONE_WORD_COPY_OFFSET = 0x102000;
    static final long WINDOW_COPY_OFFSET = 0x103000;

    static final List<String> READ_ONLY_SCRIPT = List.of(
            "protect off 0x100000 +0x20000",
            "erase 0x100000 +0x20000",
            "mw.b 0x40200000 0xa5 0x1000",
            "cp.b 0x40200000 0x100000 0x10",
            "md.b 0x100000 0x10",
            "erase 0x04100000 +0x20000",
            "md.b 0x04100000 0x10");

    @BeforeAll
    static void uBootIsInstalled() {
        UBoot.requireInstalled();
    }

    @Test
    void eraseCopyCompareOnBank1GiveWhatQemusModelGives(TestBoard board) throws Exception {
        boolean qemuHasBug = QemuRunner.system().knownDifferences()
                .contains(KnownDifference.BUFFERED_WINDOW_AT_COUNT_CYCLE);
        Path oursImage = board.image("flash1.img", FlashImage.raw());
        List<String> ours;
        try (TestMachine m = UBoot.bios(board).flash(1, oursImage).start()) {
            Console c = Console.of(m);
            UBoot.toPrompt(c);
            ours = UBoot.script(c, SCRIPT);
            assertTrue(m.allocatedBytes(1) <= 256 << 10, "one erased 256 KiB block");
        }
        Path qemuImage = board.image("qemu-flash1.img", FlashImage.raw());
        List<String> qemu;
        try (ProcessConsole q = UBoot.qemu(null, false, qemuImage)) {
            UBoot.toPrompt(q);
            qemu = UBoot.script(q, SCRIPT);
        }
        assertEquals(PROGRAMMED, ours.get(WINDOW_CHECK), "upstream QEMU's window: the first data cycle's");
        assertEquals(qemuHasBug ? DROPPED : PROGRAMMED, qemu.get(WINDOW_CHECK));
        assertEquals(ONE_WORD_PROGRAMMED, ours.get(ONE_WORD_CHECK), "count 0 programs one word, as on a real part");
        assertEquals(qemuHasBug ? ONE_WORD_DROPPED : ONE_WORD_PROGRAMMED, qemu.get(ONE_WORD_CHECK));
        List<String> oursSame = new ArrayList<>(ours);
        List<String> qemuSame = new ArrayList<>(qemu);
        oursSame.remove(WINDOW_CHECK);
        qemuSame.remove(WINDOW_CHECK);
        oursSame.remove(ONE_WORD_CHECK);
        qemuSame.remove(ONE_WORD_CHECK);
        assertEquals(qemuSame, oursSame);
        assertTrue(ours.get(SCRIPT.indexOf("cmp.b 0x40200000 0x04100000 0x1000"))
                .endsWith("Total of 4096 byte(s) were the same\n"), ours.toString());
        assertTrue(ours.get(SCRIPT.indexOf("cmp.b 0x40300000 0x04100000 0x10")).contains(
                "byte at 0x40300000 (0x5a) != byte at 0x04100000 (0xa5)\nTotal of 0 byte(s) were the same\n"), ours.toString());

        // The images: equal, except the 2 + 256 bytes QEMU 7.2 dropped.
        List<Long> differences = differingOffsets(oursImage, qemuImage);
        if (qemuHasBug) {
            assertEquals(2 + 256, differences.size(), "differing bytes");
            assertEquals(List.of(ONE_WORD_COPY_OFFSET, ONE_WORD_COPY_OFFSET + 1), differences.subList(0, 2));
            assertEquals(WINDOW_COPY_OFFSET, differences.get(2));
            assertEquals(WINDOW_COPY_OFFSET + 255, differences.get(257));
        } else {
            assertEquals(List.of(), differences);
        }
    }

    @Test
    void aReadOnlyFlash0IgnoresEraseAndProgramAsOnQemu(TestBoard board) throws Exception {
        Path flash0 = board.image("u-boot-ro.img", FlashImage.raw().from(UBoot.BIN));
        String before = FlashImages.sha256(flash0);
        List<String> ours;
        try (TestMachine m = board.machine().name("u-boot-ro").flash(0, flash0, "raw", true)
                .flash(1, FlashImage.raw()).awaitTimeout(UBoot.TIMEOUT).start()) {
            Console c = Console.of(m);
            UBoot.toPrompt(c);
            ours = UBoot.script(c, READ_ONLY_SCRIPT);
        }
        assertEquals(before, FlashImages.sha256(flash0), "the read-only image is unchanged");
        assertEquals("=> md.b 0x100000 0x10\n00100000: " + "00 ".repeat(16) + " ................\n", ours.get(4),
                "the bank still holds the image's bytes");
        assertEquals("=> md.b 0x04100000 0x10\n04100000: " + "ff ".repeat(16) + " ................\n",
                ours.get(6), "bank 1 still works");
        List<String> qemu;
        try (ProcessConsole q = UBoot.qemu(flash0, true, board.image("qemu-flash1.img", FlashImage.raw()))) {
            UBoot.toPrompt(q);
            qemu = UBoot.script(q, READ_ONLY_SCRIPT);
        }
        assertEquals(qemu, ours);
        assertEquals(before, FlashImages.sha256(flash0));
    }

    /** Offsets where two equally long files differ. */
    static List<Long> differingOffsets(Path a, Path b) throws IOException {
        List<Long> out = new ArrayList<>();
        try (FileChannel ca = FileChannel.open(a, StandardOpenOption.READ);
             FileChannel cb = FileChannel.open(b, StandardOpenOption.READ)) {
            assertEquals(ca.size(), cb.size());
            ByteBuffer ba = ByteBuffer.allocate(1 << 20);
            ByteBuffer bb = ByteBuffer.allocate(1 << 20);
            for (long off = 0; off < ca.size(); off += ba.capacity()) {
                ba.clear();
                bb.clear();
                ca.read(ba, off);
                cb.read(bb, off);
                if (!ba.flip().equals(bb.flip())) {
                    for (int i = 0; i < ba.limit() && out.size() < 10_000; i++) {
                        if (ba.get(i) != bb.get(i)) {
                            out.add(off + i);
                        }
                    }
                }
            }
        }
        return out;
    }
}
