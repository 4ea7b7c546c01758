package dev.virtflash.virt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.Residency;
import dev.virtflash.virt.cli.PayloadCatalog;
import dev.virtflash.virt.cpu.CpuExit;
import dev.virtflash.virt.devices.ConsoleSource;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
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

    @Test
    void aGuestReadingEveryByteOfEmptyFlashCostsNoMemory() throws Exception {
        byte[] payload = PayloadCatalog.firmware().load("empty-reads").orElseThrow();
        try (VirtMachine warmUp = board(payload, new ByteArrayOutputStream())) {
            run(warmUp); // Java and JNA paths compiled and loaded before the measured run
        }
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (VirtMachine m = board(payload, console)) {
            long before = Residency.process().anonAndShmem();
            CpuExit exit = run(m);
            long after = Residency.process().anonAndShmem();
            assertEquals(0, assertInstanceOf(CpuExit.SemihostingExit.class, exit, console::toString).code(),
                    console::toString);
            assertTrue(console.toString().contains("summary: 5 scenarios, 18 checks, 0 failed"), console::toString);

            HostMemory flash0 = m.flash(0).region().memory();
            HostMemory flash1 = m.flash(1).region().memory();
            assertEquals(BLOCK, flash1.dataBytes(), "flash1 holds the one block the payload erased");
            assertEquals(flash1.dataBytes(), Residency.presentBytes(flash1),
                    "flash1: 64 MiB read, only the erased block's pages touched");
            assertEquals(nonZeroPages(payload) * 4096, flash0.dataBytes(), "flash0 holds the payload's pages");
            assertEquals(flash0.dataBytes(), Residency.presentBytes(flash0),
                    "flash0: all of it read, only the payload's pages touched");
            long raised = after - before;
            LOG.info("guest read 128 MiB of flash, 64 MiB of it empty: RssAnon + RssShmem rose by {} KiB", raised >> 10);
            assertTrue(raised <= GUEST_READS_BOUND, "reading all of an empty bank raised RssAnon + RssShmem by "
                    + raised + " bytes, at most " + GUEST_READS_BOUND);
        }
    }

    @Test
    void theBiosCopyAndEveryResetTouchOnlyTheBlobsNonZeroPages() throws Exception {
        byte[] blob = new byte[3 * (int) MiB + 100];
        byte[] payload = PayloadCatalog.firmware().load("default").orElseThrow();
        System.arraycopy(payload, 0, blob, 0, payload.length);
        for (int i = 0; i < 10_000; i++) {
            blob[(int) MiB + 5000 + i] = (byte) (i | 1);  // 3 pages of data at 1 MiB + 5000
        }
        blob[blob.length - 1] = 7;                          // a short last page
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

    private static VirtMachine board(byte[] payload, ByteArrayOutputStream console) throws Exception {
        return VirtMachine.builder().bios(payload).console(b -> console.write(b), ConsoleSource.none()).build();
    }

    /** Runs the guest on a thread with a large native stack, as the CLI does. */
    private static CpuExit run(VirtMachine m) throws InterruptedException {
        AtomicReference<CpuExit> exit = new AtomicReference<>();
        Thread t = new Thread(null, () -> exit.set(m.run(Duration.ofSeconds(60))), "zero-touch", 16 << 20);
        t.start();
        t.join();
        return exit.get();
    }

    private static long nonZeroPages(byte[] b) {
        long n = 0;
        for (int page = 0; page < b.length; page += 4096) {
            for (int i = page; i < Math.min(b.length, page + 4096); i++) {
                if (b[i] != 0) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }
}
