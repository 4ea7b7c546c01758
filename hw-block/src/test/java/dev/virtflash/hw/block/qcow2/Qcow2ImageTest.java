package dev.virtflash.hw.block.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import dev.virtflash.hw.block.image.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images we create: {@code qemu-img info} reads them as asked, {@code qemu-img check} accepts them, we can use them. */
class Qcow2ImageTest {

    @TempDir
    Path dir;

    private static String info(Qemu q, String image) {
        return q.run("qemu-img", "info", "--output=json", image);
    }

    @Test
    void qemuImgReadsWhatWeCreate() throws IOException {
        Qemu q = new Qemu(dir);
        Qcow2Image.create(dir.resolve("v3.qcow2"), 64L << 20, 3, null, null);
        String v3 = info(q, "v3.qcow2");
        assertTrue(v3.contains("\"virtual-size\": 67108864"), v3);
        assertTrue(v3.contains("\"cluster-size\": 65536"), v3);
        assertTrue(v3.contains("\"compat\": \"1.1\""), v3);
        assertTrue(v3.contains("\"refcount-bits\": 16"), v3);
        assertEquals(Files.size(dir.resolve("v3.qcow2")), 196616, "laid out as qemu-img lays it out");

        Qcow2Image.create(dir.resolve("v2.qcow2"), 1L << 30, 2, "v3.qcow2", "qcow2", 4096);
        String v2 = info(q, "v2.qcow2");
        assertTrue(v2.contains("\"virtual-size\": 1073741824"), v2);
        assertTrue(v2.contains("\"cluster-size\": 4096"), v2);
        assertTrue(v2.contains("\"compat\": \"0.10\""), v2);
        assertTrue(v2.contains("\"backing-filename\": \"v3.qcow2\""), v2);
        assertTrue(v2.contains("\"backing-filename-format\": \"qcow2\""), v2);
        for (String name : new String[] {"v3.qcow2", "v2.qcow2"}) {
            assertEquals(0, q.check(dir.resolve(name)).exit(), name);
        }
    }

    @Test
    void manyL1ClustersNeedSeveralRefcountBlocks() throws IOException {
        // 512-byte clusters, 16-bit refcounts: a block counts 256 clusters; 1 GiB needs a 256 KiB (512-cluster) L1.
        Qemu q = new Qemu(dir);
        Path image = dir.resolve("big.qcow2");
        Qcow2Image.create(image, 1L << 30, 3, null, null, 512);
        assertEquals(0, q.check(image).exit(), q.run("qemu-img", "check", "big.qcow2"));
        try (ImageFile f = ImageFile.open(image, true)) {
            Qcow2Header h = Qcow2Header.read(f);
            assertEquals(32768, h.l1Size());
        }
        try (BlockBackend b = Images.open(image, null, false)) {
            byte[] data = new byte[4096];
            Arrays.fill(data, (byte) 0x42);
            b.write((1L << 30) - 4096, ByteBuffer.wrap(data));
        }
        assertEquals(0, q.check(image).exit());
        byte[] contents = q.contents(image);
        assertEquals(0x42, contents[(1 << 30) - 1]);
    }

    @Test
    void anOverlayWeCreateReadsThroughItsBacking() throws IOException {
        Qemu q = new Qemu(dir);
        byte[] base = Fixtures.pattern(2 << 20, 9);
        Fixtures.write(dir, "base.raw", base);
        Qcow2Image.create(dir.resolve("top.qcow2"), 3 << 20, 3, "base.raw", "raw");
        try (BlockBackend b = Images.open(dir.resolve("top.qcow2"), null, false)) {
            b.write(100, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        byte[] expected = Arrays.copyOf(base, 3 << 20);
        expected[100] = 1;
        expected[101] = 2;
        expected[102] = 3;
        assertArrayEquals(expected, q.contents(dir.resolve("top.qcow2")));
        assertEquals(0, q.check(dir.resolve("top.qcow2")).exit());
    }

    @Test
    void replacingAnImageThatIsInUseIsRefused() throws IOException {
        Path image = dir.resolve("busy.qcow2");
        Qcow2Image.create(image, 1 << 20, 3, null, null);
        byte[] before = Files.readAllBytes(image);
        try (BlockBackend b = Images.open(image, null, false)) {
            assertThrows(ImageFormatException.class, () -> Qcow2Image.create(image, 2 << 20, 3, null, null));
        }
        assertArrayEquals(before, Files.readAllBytes(image));
    }

    @Test
    void badRequestsAreRefused() {
        Path image = dir.resolve("x.qcow2");
        assertEquals(image + ": size 1000, expected a multiple of 512 from 0 to 2251799813685248",
                assertThrows(ImageFormatException.class, () -> Qcow2Image.create(image, 1000, 3, null, null))
                        .getMessage());
        assertEquals(image + ": version 4, expected 2 or 3",
                assertThrows(ImageFormatException.class, () -> Qcow2Image.create(image, 512, 4, null, null))
                        .getMessage());
        assertEquals(image + ": cluster size 1000, expected a power of two from 512 to 2097152",
                assertThrows(ImageFormatException.class, () -> Qcow2Image.create(image, 512, 3, null, null, 1000))
                        .getMessage());
        assertThrows(ImageFormatException.class, () -> Qcow2Image.create(image, 512, 3, null, "raw"));
        assertTrue(!Files.exists(image));
    }
}
