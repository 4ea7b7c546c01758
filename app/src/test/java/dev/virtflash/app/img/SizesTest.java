package dev.virtflash.app.img;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SizesTest {

    @Test
    void parsesQemuImgSizes() {
        assertEquals(0, Sizes.parse("0"));
        assertEquals(1000, Sizes.parse("1000"));
        assertEquals(1000, Sizes.parse("1000b"));
        assertEquals(1536, Sizes.parse("1.5k"));
        assertEquals(64L << 20, Sizes.parse("64M"));
        assertEquals(3L << 30, Sizes.parse("3G"));
        assertEquals(5L << 40, Sizes.parse("5t"));
        assertEquals(1L << 50, Sizes.parse("1P"));
        assertEquals(1L << 60, Sizes.parse("1E"));
        for (String bad : new String[] {"", "M", "12q", "-5", "1.5", "1.k", "0x10", "8E", " ", "1 M"}) {
            assertThrows(IllegalArgumentException.class, () -> Sizes.parse(bad), bad);
        }
    }

    @Test
    void printsLikeQemuSizeToStr() {
        assertEquals("0 B", Sizes.human(0));
        assertEquals("512 B", Sizes.human(512));
        assertEquals("0.977 KiB", Sizes.human(1000));
        assertEquals("4 KiB", Sizes.human(4096));
        assertEquals("1.5 KiB", Sizes.human(1536));
        assertEquals("64 MiB", Sizes.human(64L << 20));
        assertEquals("0.977 MiB", Sizes.human(1000L << 10));
        assertEquals("999 MiB", Sizes.human(999L << 20));
        assertEquals("1 EiB", Sizes.human(1L << 60));
    }
}
