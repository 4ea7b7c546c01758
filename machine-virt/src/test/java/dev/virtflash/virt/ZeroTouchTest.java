package dev.virtflash.virt;

import static dev.virtflash.hw.block.ImageFixtures.nonZeroPages;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.Residency;
import dev.virtflash.firmware.PayloadCatalog;
import dev.virtflash.virt.devices.ConsoleSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bank costs its pages that hold data, on a kernel without a shared zero page too: whatever the guest reads, and
 * across the {@code -bios} copy and resets. The oracle is the kernel's: the bank pages present in
 * {@code /proc/self/pagemap} ({@link Residency#presentBytes}), which a read fault maps whether it maps a zero page or
 * allocates one, must be exactly the pages that something wrote ({@link HostMemory#dataBytes}).
 */
class ZeroTouchTest {

    private static final Logger LOG = LoggerFactory.getLogger(ZeroTouchTest.class);
    private static final long MiB = 1 << 20;
    private static final long BLOCK = 256 * 1024;
    /** Issue 13, acceptance 4: what a guest reading all of an empty bank may add to RssAnon + RssShmem. */
    private static final long GUEST_READS_BOUND = 2 * MiB;

    /**
     * Issue 13, acceptance 4, measured in a JVM of its own ({@link GuestReadsProbe}) so that no other test's
     * allocations move the process figures.
     */
    @Test
    void aGuestReadingEveryByteOfEmptyFlashCostsNoMemory() throws Exception {
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElseThrow(), "-XX:+UseSerialGC",
                "-Xss4m", "-XX:TieredStopAtLevel=1", "-Xms32m", "-Xmx32m", "-XX:+AlwaysPreTouch",
                "-cp", System.getProperty("java.class.path"), GuestReadsProbe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null"))).start();
        String out;
        try (var stdout = p.getInputStream()) { // closed here, not by a cleaner during a later test counting fds
            out = new String(stdout.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        Map<String, String> f = new HashMap<>();
        for (String kv : out.lines().findFirst().orElseThrow().split(" ")) {
            f.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        assertEquals("0", f.get("exit"), out);
        assertTrue(out.contains("summary: 5 scenarios, 18 checks, 0 failed"), out);
        byte[] payload = PayloadCatalog.firmware().load("empty-reads").orElseThrow();
        assertEquals(BLOCK, Long.parseLong(f.get("flash1.data")), "flash1 holds the one block the payload erased");
        assertEquals(f.get("flash1.data"), f.get("flash1.present"),
                "flash1: 64 MiB read, only the erased block's pages touched");
        assertEquals(nonZeroPages(payload) * 4096, Long.parseLong(f.get("flash0.data")), "flash0: the payload's pages");
        assertEquals(f.get("flash0.data"), f.get("flash0.present"),
                "flash0: all of it read, only the payload's pages touched");
        long raised = Long.parseLong(f.get("raised"));
        LOG.info("guest read 128 MiB of flash, 64 MiB of it empty: RssAnon + RssShmem rose by {} KiB", raised >> 10);
        assertTrue(raised <= GUEST_READS_BOUND, "reading all of an empty bank raised RssAnon + RssShmem by "
                + raised + " bytes, at most " + GUEST_READS_BOUND + "\n" + out);
    }

    @Test
    void theBiosCopyAndEveryResetTouchOnlyTheBlobsNonZeroPages() throws Exception {
        byte[] blob = biosBlob();
        long pages = nonZeroPages(blob);
        try (VirtMachine m = VirtMachine.builder().bios(blob).console(b -> { }, ConsoleSource.none()).build()) {
            HostMemory flash0 = m.flash(0).region().memory();
            assertEquals(pages * 4096, flash0.dataBytes());
            assertEquals(pages * 4096, Residency.presentBytes(flash0), "the copy touched the blob's data pages only");
            assertEquals(0, Residency.presentBytes(m.flash(1).region().memory()), "flash1 untouched");
            flash0.store(2 * MiB, 4, 0x1234_5678);         // what a guest's program before a reset would leave
            m.reset();
            assertEquals(pages * 4096, flash0.dataBytes(), "the reset gave the programmed page back");
            assertEquals(pages * 4096, Residency.presentBytes(flash0), "and touched nothing else");
            assertEquals(blob[(int) MiB + 5000], (byte) flash0.load(MiB + 5000, 1));
            m.reset();
            assertEquals(pages * 4096, Residency.presentBytes(flash0), "a second reset too");
        }
    }

    /**
     * The same blob from a file ({@code -bios FILE}): its pages are the file's, mapped copy-on-write and shared by two
     * boards; each board owns only the copied short last page, and the page a guest programs until the next reset.
     */
    @Test
    void aBiosFileIsMappedNotCopiedAndEveryResetBringsItBack(@TempDir Path dir) throws Exception {
        byte[] blob = biosBlob();
        Path file = dir.resolve("bios.bin");
        Files.write(file, blob);
        long pages = nonZeroPages(blob);
        try (VirtMachine a = VirtMachine.builder().bios(file).console(b -> { }, ConsoleSource.none()).build();
             VirtMachine b = VirtMachine.builder().bios(file).console(x -> { }, ConsoleSource.none()).build()) {
            for (VirtMachine m : List.of(a, b)) {
                HostMemory flash0 = m.flash(0).region().memory();
                assertEquals(pages * 4096, flash0.dataBytes());
                assertEquals(pages * 4096, Residency.presentBytes(flash0), "only the blob's data pages are mapped");
                assertEquals(4096, Residency.anonymousBytes(flash0), "a board owns only the copied short last page");
                assertEquals(file, m.flash(0).sharedImage());
                assertTrue(m.flash(0).fileMapped());
            }
            HostMemory flash0 = a.flash(0).region().memory();
            flash0.store(MiB + 5000, 4, 0);                 // a guest's program over the blob
            flash0.store(2 * MiB, 4, 0x1234_5678);         // and beside it
            assertEquals(3 * 4096, Residency.anonymousBytes(flash0), "the two programmed pages are a's own");
            assertEquals(blob[(int) MiB + 5000], (byte) b.flash(0).region().memory().load(MiB + 5000, 1), "b's blob");
            a.reset();
            assertEquals(pages * 4096, flash0.dataBytes(), "the reset gave the programmed page back");
            assertEquals(pages * 4096, Residency.presentBytes(flash0), "and touched nothing else");
            assertEquals(4096, Residency.anonymousBytes(flash0), "the programmed copy is gone");
            byte[] back = new byte[blob.length];
            flash0.read(0, back, 0, back.length);
            assertArrayEquals(blob, back, "bank 0 holds the file again");
            assertArrayEquals(blob, Files.readAllBytes(file), "the file never changes");
        }
    }

    /** The default payload, 3 pages of data at 1 MiB + 5000, and a short last page; zeros elsewhere. */
    private static byte[] biosBlob() throws IOException {
        byte[] blob = new byte[3 * (int) MiB + 100];
        byte[] payload = PayloadCatalog.firmware().load("default").orElseThrow();
        System.arraycopy(payload, 0, blob, 0, payload.length);
        for (int i = 0; i < 10_000; i++) {
            blob[(int) MiB + 5000 + i] = (byte) (i | 1);
        }
        blob[blob.length - 1] = 7;
        return blob;
    }
}
