package dev.virtflash.hw.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.virtflash.hw.block.image.Images;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {

    @TempDir
    Path dir;

    private Path file(String name, long size) throws IOException {
        return SparseImage.raw(dir.resolve(name), size);
    }

    @Test
    void requireSizeNamesFileDeviceAndBothSizes() throws IOException {
        Path vars = file("flash1.img", 786432);
        try (BlockBackend image = Images.open(vars, "raw", true)) {
            ImageFormatException e = assertThrows(ImageFormatException.class,
                    () -> Images.requireSize(image, 64L << 20, "cfi.pflash01", "virt.flash1"));
            assertEquals(vars + ": cfi.pflash01 device 'virt.flash1' requires 67108864 bytes, the image provides"
                    + " 786432 bytes", e.getMessage());
            ImageFormatException short3 = assertThrows(ImageFormatException.class,
                    () -> Images.requireSize(image, 64L << 20, "virt.flash1"));
            assertEquals(vars + ": device 'virt.flash1' requires 67108864 bytes, the image provides 786432 bytes",
                    short3.getMessage());
            Images.requireSize(image, 786432, "virt.flash1");
        }
        Path large = file("large.img", (64L << 20) + 512);
        try (BlockBackend image = Images.open(large, "raw", true)) {
            assertThrows(ImageFormatException.class, () -> Images.requireSize(image, 64L << 20, "virt.flash0"));
        }
    }

    @Test
    void probeFindsQcow2MagicAndTakesAnythingElseAsRaw() throws IOException {
        Path qcow2 = dir.resolve("q.img");
        ExternalTool.qemuImg(dir, "create", "-f", "qcow2", "q.img", "1M");
        Path tiny = dir.resolve("tiny.img");
        Files.write(tiny, new byte[] {'Q', 'F', 'I'});
        Path almost = dir.resolve("almost.img");
        Files.write(almost, new byte[] {'Q', 'F', 'I', (byte) 0xfa, 0, 0, 0, 3});
        try (ImageFile f = ImageFile.open(qcow2, true); ImageFile t = ImageFile.open(tiny, true);
                ImageFile a = ImageFile.open(almost, true)) {
            assertEquals("qcow2", Images.probe(f));
            assertEquals("raw", Images.probe(t));
            assertEquals("raw", Images.probe(a));
        }
        try (BlockBackend image = Images.open(qcow2, "raw", true)) {
            assertEquals("raw", image.format(), "format= wins over the magic, as in QEMU");
        }
    }

    @Test
    void unknownFormatIsOneLine() throws IOException {
        Path image = file("x.img", 4096);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.open(image, "vmdk", true));
        assertEquals(image + ": unknown format 'vmdk', expected one of [raw, qcow2]", e.getMessage());
        try (BlockBackend again = Images.open(image, "RAW", false)) {
            assertEquals("raw", again.format());
        }
    }
}
