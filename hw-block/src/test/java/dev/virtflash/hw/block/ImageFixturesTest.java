package dev.virtflash.hw.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The qcow2 fixtures are what they claim to be (qemu-img's word), ready for the tests that read them. */
class ImageFixturesTest {

    @TempDir
    Path dir;

    static java.util.List<ImageFixtures.Kind> qcow2Kinds() {
        return ImageFixtures.QCOW2;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qcow2Kinds")
    void qcow2FixturesAreCleanQcow2WithTheSourcesContents(ImageFixtures.Kind kind) throws IOException {
        Path source = ImageFixtures.writeSource(dir.resolve("source.raw"), 3);
        Path image = kind.build(dir, source);
        String info = ExternalTool.qemuImg(dir, "info", image.getFileName().toString());
        assertTrue(info.contains("file format: qcow2"), info);
        ExternalTool.qemuImg(dir, "check", image.getFileName().toString());
        if (kind == ImageFixtures.QCOW2_V2) {
            assertTrue(info.contains("compat: 0.10"), info);
        }
        if (kind == ImageFixtures.QCOW2_OVER_RAW || kind == ImageFixtures.QCOW2_OVER_QCOW2) {
            assertTrue(info.contains("backing file: base."), info);
        }
        byte[] contents = ImageFixtures.qemuContents(image);
        byte[] original = ImageFixtures.qemuContents(source);
        assertEquals(original.length, contents.length);
        if (kind == ImageFixtures.QCOW2_V2 || kind == ImageFixtures.QCOW2_V3 || kind == ImageFixtures.QCOW2_COMPRESSED) {
            assertTrue(java.util.Arrays.equals(original, contents), kind + " keeps the contents");
            assertTrue(!java.util.Arrays.equals(Files.readAllBytes(image), contents),
                    "the container bytes differ from the contents (QEMU's bs->file bug would load them)");
        }
    }
}
