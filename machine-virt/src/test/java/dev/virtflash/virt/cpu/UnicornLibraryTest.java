package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UnicornLibraryTest {

    @Test
    void installedUnicornIsAtLeast2_1() {
        UnicornVersion v = UnicornLibrary.requireSupportedVersion();
        assertTrue(v.compareTo(new UnicornVersion(2, 1, 0)) >= 0, "found " + v);
    }

    @Test
    void decodesThePackedVersion() {
        assertEquals(new UnicornVersion(2, 1, 1), UnicornVersion.decode(0x0201_0100));
        assertTrue(UnicornVersion.decode(0x0200_0100).compareTo(UnicornVersion.MINIMUM) < 0, "2.0.1 is too old");
    }
}
