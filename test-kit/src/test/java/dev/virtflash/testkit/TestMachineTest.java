package dev.virtflash.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.pflash.FlashSemantics;
import dev.virtflash.virt.cpu.CpuExit;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test API against the embedded payloads: an ending guest, a crashing one, a hanging one, a flooding one. */
class TestMachineTest {

    @TempDir
    Path dir;

    @Test
    void payloadRunsToItsExitAndItsFlashWritesAreReadBack() throws Exception {
        try (TestBoard board = TestBoard.in(dir)) {
            TestMachine m = board.machine().payload("default").flash(1, FlashImage.raw()).start();
            String out = m.await("PASS");
            assertTrue(out.contains("bank 1 at 0x04000000: CFI QRY"), out);
            CpuExit exit = m.awaitExit();
            assertEquals(new CpuExit.SemihostingExit(0, 0x20026), exit);
            // The default payload erases flash1's first block and word-programs pattern_word(0xDEFA0001, i) there.
            byte[] head = m.readFlash(1, 0, 8);
            ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0xDEFA0001, b.getInt(0));
            assertEquals(0xDEFA0001 ^ 0x9E3779B1, b.getInt(4));
            try (BlockBackend image = m.openImage(1)) {
                assertEquals(FlashImage.BANK_SIZE, image.size());
                ByteBuffer rest = ByteBuffer.allocate(4);
                image.read(0x3FFFC, rest);
                assertEquals(-1, rest.getInt(0), "the rest of the erased block is 0xFF");
            }
            assertTrue(m.allocatedBytes(1) <= 256 << 10, "one erased block at most");
            assertEquals(m.image(1), board.machines().get(0).image(1));
        }
    }

    @Test
    void flashSemanticsChooseRealNorOrQemus() throws Exception {
        try (TestBoard board = TestBoard.in(dir)) {
            TestMachine nor = board.machine().payload("word-program").flash(1, FlashImage.raw()).start();
            assertTrue(nor.await("summary:").contains("note program-bytes-accumulate: and (real NOR"));
            assertEquals(new CpuExit.SemihostingExit(0, 0x20026), nor.awaitExit());
            TestMachine qemu = board.machine().payload("word-program").flash(1, FlashImage.raw())
                    .flashSemantics(FlashSemantics.QEMU_7_2).start();
            assertTrue(qemu.await("summary:").contains("note program-bytes-accumulate: overwrite (QEMU)"));
            assertEquals(new CpuExit.SemihostingExit(0, 0x20026), qemu.awaitExit());
        }
    }

    @Test
    void aQcow2TemplateWithContentsBootsAndReadsBackThroughItsFormat() throws Exception {
        byte[] marker = "virtflash".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (TestBoard board = TestBoard.in(dir)) {
            Path q = board.image("flash1.qcow2", FlashImage.qcow2().with(0x200000, marker));
            assertEquals("QFI", new String(Files.readAllBytes(q), 0, 3, java.nio.charset.StandardCharsets.US_ASCII));
            TestMachine m = board.machine().payload("default").flash(1, q).start();
            m.await("PASS");
            assertEquals(new CpuExit.SemihostingExit(0, 0x20026), m.awaitExit());
            ByteBuffer b = ByteBuffer.wrap(m.readFlash(1, 0, 4)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0xDEFA0001, b.getInt(0), "the payload's first word program, read through qcow2");
            assertArrayEquals(marker, m.readFlash(1, 0x200000, marker.length), "the template's contents are kept");
            try (BlockBackend image = m.openImage(1)) {
                assertEquals("qcow2", image.format());
            }
        }
    }

    @Test
    void aGuestThatEndsFirstFailsTheWaitAtOnceWithItsExitAndConsole() throws Exception {
        try (TestBoard board = TestBoard.in(dir)) {
            TestMachine m = board.machine().payload("crash").awaitTimeout(Duration.ofMinutes(5)).start();
            AssertionError e = assertThrows(AssertionError.class, () -> m.await("never printed"));
            String msg = e.getMessage();
            assertTrue(msg.startsWith("crash: the guest ended before printing \"never printed\""), msg);
            assertTrue(msg.contains("guest exited through semihosting with code 2"), msg);
            assertTrue(msg.contains("crash: executing udf #0xdead"), msg);
            assertTrue(m.hasEnded());
        }
    }

    @Test
    void aHangingGuestIsStoppedAtTheTimeoutWithItsPc() throws Exception {
        try (TestBoard board = TestBoard.in(dir)) {
            TestMachine m = board.machine().payload("hang").start();
            m.await("spinning forever");
            AssertionError e = assertThrows(AssertionError.class, () -> m.await("never", Duration.ofMillis(300)));
            String msg = e.getMessage();
            assertTrue(msg.startsWith("hang: no \"never\" on the console within 300 ms"), msg);
            assertTrue(msg.matches("(?s).*guest: stopped on request at pc 0x[0-9a-f]{16} \\(resets: 0\\).*"), msg);
            assertInstanceOf(CpuExit.Stopped.class, m.stop(), "the machine was stopped and released");
            assertInstanceOf(CpuExit.Stopped.class, m.awaitExit(Duration.ofMillis(1)));
        }
    }

    @Test
    void waitingForTheEndOfAGuestThatDoesNotEndFailsWithItsPc() throws Exception {
        try (TestBoard board = TestBoard.in(dir)) {
            TestMachine m = board.machine().payload("hang").start();
            AssertionError e = assertThrows(AssertionError.class, () -> m.awaitExit(Duration.ofMillis(200)));
            assertTrue(e.getMessage().startsWith("hang: the guest did not end within 200 ms\nguest: stopped on "
                    + "request at pc 0x"), e.getMessage());
            assertNull(e.getCause());
        }
    }

    @Test
    void aFloodingGuestKeepsABoundedConsoleAndShowsItsTail() throws Exception {
        try (TestBoard board = TestBoard.in(dir)) {
            TestMachine m = board.machine().payload("flood").consoleCapacity(4096).start();
            m.await("flood: line 20000\n"); // far past the capacity: found as it went by
            AssertionError e = assertThrows(AssertionError.class, () -> m.await("never", Duration.ofMillis(200)));
            long written = m.consoleLog().written();
            assertTrue(written > 20000 * 12, "written " + written);
            assertEquals(4096, m.console().length());
            String msg = e.getMessage();
            assertTrue(msg.contains("the last " + TestMachine.TAIL_BYTES + " shown"), msg);
            assertTrue(msg.length() < TestMachine.TAIL_BYTES + 1000, "bounded message: " + msg.length());
        }
    }

    @Test
    void closingStopsARunningMachineAndReleasesItsImages() throws Exception {
        Path flash1 = FlashImage.raw().create(dir.resolve("f1.img"));
        TestMachine m = TestMachine.in(dir).payload("hang").flash(1, flash1).start();
        m.await("spinning");
        assertFalse(m.hasEnded());
        m.close();
        assertTrue(m.hasEnded());
        m.close(); // idempotent
        // The image lock is gone: a second machine can take the same image.
        try (TestMachine again = TestMachine.in(dir).payload("hang").flash(1, flash1).start()) {
            again.await("spinning");
        }
    }

    @Test
    void typedTextWaitsInTheQueueAndTheSetupRejectsConflicts() throws Exception {
        assertThrows(IllegalArgumentException.class,
                () -> TestMachine.in(dir).payload("default").bios(new byte[4]).start());
        IOException e = assertThrows(IOException.class, () -> TestMachine.in(dir).payload("no-such").start());
        assertTrue(e.getMessage().startsWith("payload 'no-such': no such payload, expected one of ["),
                e.getMessage());
    }

    @Test
    void templatesMakeSparseImagesWithContents() throws Exception {
        Path src = dir.resolve("content.bin");
        byte[] content = new byte[3 * 4096 + 10];
        content[0] = 1;
        content[3 * 4096 + 9] = 2; // pages 1 and 2 stay zero
        Files.write(src, content);
        Path img = FlashImage.raw().from(src).with(1 << 20, new byte[] {7, 8}).create(dir.resolve("t.img"));
        assertEquals(FlashImage.BANK_SIZE, Files.size(img));
        byte[] head = Files.readAllBytes(img);
        assertEquals(1, head[0]);
        assertEquals(2, head[3 * 4096 + 9]);
        assertArrayEquals(new byte[] {7, 8}, java.util.Arrays.copyOfRange(head, 1 << 20, (1 << 20) + 2));
        try (BlockBackend b = dev.virtflash.hw.block.image.Images.open(img, "raw", true)) {
            assertTrue(b.allocatedBytes() <= 4 * 4096 + 4096, "sparse: " + b.allocatedBytes());
        }
        IOException tooBig = assertThrows(IOException.class,
                () -> FlashImage.raw().size(4096).from(src).create(dir.resolve("small.img")));
        assertTrue(tooBig.getMessage().startsWith(src + ": 12298 bytes at offset 0 do not fit an image of 4096"),
                tooBig.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FlashImage.of("vmdk"));
    }
}
