package dev.virtflash.guesttests.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/** The filters that read a Linux console, on lines from real consoles (no guest runs here). */
class LinuxConsoleFilterTest {

    /** A probe as the kernel prints it, then the tail of a warning printed while a test module unloads. */
    static final String CONSOLE = String.join("\n",
            "[    2.101010] physmap-flash 0.flash: physmap platform flash device: [mem 0x04000000-0x07ffffff]",
            "[    2.201010] 0.flash: Found 2 x16 devices at 0x0 in 32-bit bank. Manufacturer ID 0x000000 Chip ID 0x000000",
            "[    2.301010] 2 cmdlinepart partitions found on MTD device 0.flash",
            "[    2.401010] 0x000004000000-0x000008000000 : \"flash1\"",
            "[   61.088510] watchdog: BUG: soft lockup - CPU#0 stuck for 52s! [swapper/0:0]",
            "[   61.100231] Modules linked in: mtd_stresstest(OE-) mtd_test(OE) physmap(OE) cmdlinepart(OE) "
                    + "cfi_cmdset_0001(OE) [last unloaded: mtd_speedtest(OE)]",
            "[   61.104005] pc : do_idle+0x298/0x310",
            "[   61.104105] Call trace:",
            "[   62.000000] mtd_stresstest: finished, 50 operations done");

    @Test
    void probeLinesAreTheProbesAndNotAModuleListThatNamesTheDrivers() {
        List<String> probe = CONSOLE.lines().map(LinuxClient::untimed)
                .filter(l -> LinuxMtdTest.PROBE.matcher(l).find()).collect(Collectors.toList());
        assertEquals(4, probe.size(), probe::toString);
        assertEquals("0x000004000000-0x000008000000 : \"flash1\"", probe.get(3));
    }

    @Test
    void aWarningOrLockupIsKernelTroubleAndTheTestsOwnLinesAreNot() {
        assertEquals(List.of("watchdog: BUG: soft lockup - CPU#0 stuck for 52s! [swapper/0:0]", "Call trace:"),
                LinuxClient.kernelTrouble(CONSOLE));
    }
}
