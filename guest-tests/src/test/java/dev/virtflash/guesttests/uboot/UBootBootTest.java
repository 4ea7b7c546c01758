package dev.virtflash.guesttests.uboot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.guesttests.Footprints;
import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.image.Images;
import dev.virtflash.testkit.FlashImage;
import dev.virtflash.testkit.TestBoard;
import dev.virtflash.testkit.FlashFootprint;
import dev.virtflash.testkit.TestMachine;
import dev.virtflash.testkit.VirtBoardExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 8, acceptance 1: Debian's U-Boot reaches {@code =>} on our board as a 64 MiB sparse flash0 image and as
 * {@code -bios}, and {@code flinfo} shows both banks as spec §4.1 says QEMU's do (the 16-bit port U-Boot settles on:
 * "16 x 16", 32 MB in 256 sectors, IDs 0x89/0x0018, CFI timeouts, 2048-byte buffer). With {@code -bios} the whole
 * {@code flinfo} output, sector protection flags included, is compared with QEMU 7.2's.
 */
@ExtendWith(VirtBoardExtension.class)
class UBootBootTest {

    /** What flinfo prints for each bank after "Bank # N: " (spec §4.1, observed on QEMU). */
    static final String BANK_INFO = String.join("\n",
            "CFI conformant flash (16 x 16)  Size: 32 MB in 256 Sectors",
            "  Intel Extended command set, Manufacturer ID: 0x89, Device ID: 0x0018",
            "  Erase timeout: 16384 ms, write timeout: 3 ms",
            "  Buffer write timeout: 3 ms, buffer size: 2048 bytes",
            "",
            "  Sector Start Addresses:");

    @BeforeAll
    static void uBootIsInstalled() {
        UBoot.requireInstalled();
    }

    static void assertFlinfo(String flinfo) {
        assertTrue(flinfo.contains("Bank # 1: " + BANK_INFO + "\n  00000000"), flinfo);
        assertTrue(flinfo.contains("Bank # 2: " + BANK_INFO + "\n  04000000"), flinfo);
        assertTrue(flinfo.contains("01FE0000"), "bank 1's 256th sector starts at 32 MiB - 128 KiB: " + flinfo);
        assertFalse(flinfo.contains("02000000"), "U-Boot reaches only the lower 32 MiB of a bank: " + flinfo);
        assertTrue(flinfo.contains("05FE0000"), flinfo);
    }

    @Test
    void asASparseFlash0ImageReachesThePromptAndSeesBothBanksAsSpecSays(TestBoard board) throws Exception {
        Path flash0 = board.image("u-boot-flash0.img", FlashImage.raw().from(UBoot.BIN));
        try (BlockBackend image = Images.open(flash0, "raw", true)) {
            assertEquals(FlashImage.BANK_SIZE, image.size());
            assertTrue(image.allocatedBytes() <= 1 << 20, "sparse: " + image.allocatedBytes() + " bytes allocated");
        }
        try (TestMachine m = board.machine().name("u-boot-flash0").flash(0, flash0).flash(1, FlashImage.raw())
                .awaitTimeout(UBoot.TIMEOUT).start()) {
            Console c = Console.of(m);
            String boot = UBoot.toPrompt(c);
            assertTrue(boot.contains("U-Boot 2023.01"), boot);
            assertTrue(boot.contains("Flash: 64 MiB\n"), boot);
            assertTrue(boot.contains(UBoot.ENV_BAD_CRC), "a blank flash1 has no environment: " + boot);
            assertFlinfo(UBoot.run(c, "flinfo"));
            assertEquals("typed\n", UBoot.run(c, "echo typed"), "the console answers typed commands");
            Footprints.assertOnlyDataTouched(m, "U-Boot at => (environment read from a blank flash1)");
            // a guest reading all of an empty bank: zeros, and the host touches none of its pages
            assertEquals("04000000: 00000000 00000000 00000000 00000000  ................\n",
                    UBoot.run(c, "md.l 0x04000000 4"));
            assertEquals("Total of 8388608 word(s) were the same\n", UBoot.run(c, "cmp.l 0x04000000 0x06000000 0x800000"),
                    "the two halves of flash1 (all 64 MiB read) are the same");
            FlashFootprint[] banks = Footprints.assertOnlyDataTouched(m, "U-Boot after reading all of flash1");
            assertEquals(0, banks[1].presentBytes(), "flash1 holds no data and none of its pages was touched");
        }
    }

    @Test
    void asBiosReachesThePromptAndFlinfoEqualsQemus(TestBoard board) throws Exception {
        String ours;
        try (TestMachine m = UBoot.bios(board).start()) {
            Console c = Console.of(m);
            String boot = UBoot.toPrompt(c);
            assertTrue(boot.contains("Flash: 64 MiB\n"), boot);
            ours = UBoot.run(c, "flinfo");
            Footprints.assertOnlyDataTouched(m, "U-Boot from -bios at =>");
        }
        assertFlinfo(ours);
        String qemu;
        try (ProcessConsole q = UBoot.qemu(null, false, null)) {
            UBoot.toPrompt(q);
            qemu = UBoot.run(q, "flinfo");
        }
        assertEquals(qemu, ours);
    }
}
