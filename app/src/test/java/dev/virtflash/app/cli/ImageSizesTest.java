package dev.virtflash.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@code virt img}'s sizes: {@link Sizes#parseImageSize} and {@link Sizes#qemuHuman}. */
class ImageSizesTest {

    @Test
    void parsesQemuImgSizes() {
        assertEquals(0, Sizes.parseImageSize("0"));
        assertEquals(1000, Sizes.parseImageSize("1000"));
        assertEquals(1000, Sizes.parseImageSize("1000b"));
        assertEquals(1536, Sizes.parseImageSize("1.5k"));
        assertEquals(64L << 20, Sizes.parseImageSize("64M"));
        assertEquals(3L << 30, Sizes.parseImageSize("3G"));
        assertEquals(5L << 40, Sizes.parseImageSize("5t"));
        assertEquals(1L << 50, Sizes.parseImageSize("1P"));
        assertEquals(1L << 60, Sizes.parseImageSize("1E"));
        for (String bad : new String[] {"", "M", "12q", "-5", "1.5", "1.k", "0x10", "8E", " ", "1 M"}) {
            assertThrows(IllegalArgumentException.class, () -> Sizes.parseImageSize(bad), bad);
        }
    }

    @Test
    void printsLikeQemuSizeToStr() {
        assertEquals("0 B", Sizes.qemuHuman(0));
        assertEquals("512 B", Sizes.qemuHuman(512));
        assertEquals("0.977 KiB", Sizes.qemuHuman(1000));
        assertEquals("4 KiB", Sizes.qemuHuman(4096));
        assertEquals("1.5 KiB", Sizes.qemuHuman(1536));
        assertEquals("64 MiB", Sizes.qemuHuman(64L << 20));
        assertEquals("0.977 MiB", Sizes.qemuHuman(1000L << 10));
        assertEquals("999 MiB", Sizes.qemuHuman(999L << 20));
        assertEquals("1 EiB", Sizes.qemuHuman(1L << 60));
    }
}
