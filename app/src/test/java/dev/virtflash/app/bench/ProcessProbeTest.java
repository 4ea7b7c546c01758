package dev.virtflash.app.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finding the 64 MiB banks in an smaps text: one mapping (QEMU, a plain bank) or a split one between guards (ours). */
class ProcessProbeTest {

    private static final long MIB = 1 << 20;
    private static final long BANK = 64 * MIB;

    /** Adds a mapping of {@code [start, end)} with {@code rssKib} resident. */
    private static void vma(List<String> smaps, long start, long end, String perms, long rssKib, String path) {
        smaps.add(String.format("%x-%x %s 00000000 00:00 0          %s", start, end, perms, path));
        smaps.add("Size:           " + (end - start) / 1024 + " kB");
        smaps.add("Rss:            " + rssKib + " kB");
        smaps.add("Anonymous:      0 kB");
        smaps.add("VmFlags: rd mr mw me ac sd");
    }

    @Test
    void aWholeMappingAndASplitOneBetweenGuardsAreBanksOthersAreNot() {
        List<String> s = new ArrayList<>();
        long a = 0x7f00_0000_0000L;
        vma(s, a - 4096, a, "---p", 0, "");
        vma(s, a, a + BANK, "rw-p", 100, "");                             // a whole bank
        vma(s, a + BANK, a + BANK + 4096, "---p", 0, "");
        long b = 0x7f10_0000_0000L;
        vma(s, b - 4096, b, "---p", 0, "");
        vma(s, b, b + MIB, "r--p", 948, "/usr/lib/u-boot/qemu_arm64/u-boot.bin"); // a split bank: file pages
        vma(s, b + MIB, b + BANK, "rw-p", 4, "");
        vma(s, b + BANK, b + BANK + 4096, "---p", 0, "");
        long c = 0x7f20_0000_0000L;
        vma(s, c - 4096, c, "---p", 0, "");
        vma(s, c, c + MIB, "rw-p", 7, "");                                 // 64 MiB in all, but no guard after
        vma(s, c + MIB, c + BANK, "rw-p", 7, "");
        vma(s, c + BANK, c + BANK + MIB, "rw-p", 7, "");
        assertArrayEquals(new long[] {(100 + 948 + 4) * 1024L, 2}, ProcessProbe.banks(s, BANK));
    }
}
