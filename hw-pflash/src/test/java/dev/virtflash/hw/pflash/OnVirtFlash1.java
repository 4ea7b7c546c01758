package dev.virtflash.hw.pflash;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Tests on a fresh virt bank without an image ({@code virt.flash1}), driven through a {@link Bus}, with QEMU 7.2's
 * semantics: these tests check the spec's rows and oracles, observed on QEMU (real NOR: {@link RealNorTest}).
 */
abstract class OnVirtFlash1 {

    PflashCfi01 bank;
    Bus bus;

    @BeforeEach
    void openBank() {
        bank = Banks.qemuRam("virt.flash1");
        bus = new Bus(bank);
    }

    @AfterEach
    void closeBank() throws Exception {
        bank.close();
    }
}
