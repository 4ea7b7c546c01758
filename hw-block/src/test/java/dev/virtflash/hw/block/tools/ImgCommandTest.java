package dev.virtflash.hw.block.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ExternalTool;
import dev.virtflash.hw.block.ImageFixtures;
import dev.virtflash.hw.block.Images;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code virt img} against {@code qemu-img} (Debian's 7.2) on the same images. */
class ImgCommandTest {

    /** The kinds compared; add {@link ImageFixtures#QCOW2} here once qcow2 images can be read. */
    static final List<ImageFixtures.Kind> KINDS = ImageFixtures.RAW;
    static final int SEEDS = 6;

    @TempDir
    Path dir;

    /** What one run printed. */
    record Run(int exitCode, String out, String err) {
    }

    static Run img(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = ImgCommand.run(List.of(args), o, e);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A user mistake: the given exit code, exactly one line on err, nothing on out, no stack trace. */
    static void assertOneLineError(Run run, int code, String... fragments) {
        assertEquals(code, run.exitCode(), run.toString());
        assertEquals("", run.out(), run.toString());
        String[] lines = run.err().split("\n");
        assertTrue(lines.length == 1 || (code == ImgCommand.USAGE && lines.length == 2), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
        for (String fragment : fragments) {
            assertTrue(lines[0].contains(fragment), "'" + fragment + "' in: " + lines[0]);
        }
    }

    static Stream<Arguments> fixtures() {
        List<Arguments> cases = new ArrayList<>();
        for (ImageFixtures.Kind kind : KINDS) {
            for (long seed = 1; seed <= SEEDS; seed++) {
                cases.add(Arguments.of(kind, seed));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, seed {1}")
    @MethodSource("fixtures")
    void mapAgreesWithQemuImgRunByRun(ImageFixtures.Kind kind, long seed) throws IOException {
        Path image = kind.build(dir, ImageFixtures.writeSource(dir.resolve("source.raw"), seed));
        String name = dir.relativize(image).toString();
        List<String> expected = ExternalTool.qemuImg(dir, "map", "--output=json", name).lines().toList();
        Run ours = img("map", "--output=json", image.toString());
        assertEquals(0, ours.exitCode(), ours.err());
        List<String> actual = ours.out().lines().toList();
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            assertEquals(expected.get(i), actual.get(i), kind + " seed " + seed + ", run " + i);
        }
        assertEquals(expected.size(), actual.size(), kind + " seed " + seed + ": number of runs");

        // the human format prints the file name as given; give both the same absolute name
        String qemuHuman = ExternalTool.qemuImg(dir, "map", image.toString());
        assertEquals(qemuHuman, img("map", image.toString()).out(), kind + " seed " + seed + ", human format");
    }

    @Test
    void mapOfAnOddSizedFileAndOfAnEmptyOne() throws IOException {
        Path odd = dir.resolve("odd.img");
        Files.write(odd, new byte[1000]);
        Files.write(odd, new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
        assertEquals(ExternalTool.qemuImg(dir, "map", "--output=json", odd.toString()),
                img("map", "--output=json", odd.toString()).out());
        Path empty = Files.createFile(dir.resolve("empty.img"));
        assertEquals(ExternalTool.qemuImg(dir, "map", "--output=json", empty.toString()),
                img("map", "--output=json", empty.toString()).out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "512", "1000", "4096", "1.5K", "1M", "64M", "100M", "999M", "1000M", "1023M",
        "1G", "3G", "1.25T"})
    void createMakesWhatQemuImgMakesAndInfoPrintsTheSameSizes(String size) throws IOException {
        Path ours = dir.resolve("ours.img");
        Run created = img("create", "-f", "raw", ours.toString(), size);
        assertEquals(0, created.exitCode(), created.err());
        ExternalTool.qemuImg(dir, "create", "-f", "raw", "qemu.img", size);
        long qemuSize = Files.size(dir.resolve("qemu.img"));
        assertEquals(qemuSize, Files.size(ours), "file size for " + size);
        String formatting = created.out();
        assertTrue(formatting.startsWith("Formatting '" + ours + "', fmt=raw size="), formatting);

        List<String> qemuInfo = ExternalTool.qemuImg(dir, "info", "-f", "raw", ours.toString()).lines().toList();
        List<String> ourInfo = img("info", ours.toString()).out().lines().toList();
        // image, file format, virtual size, disk size: the same four lines
        assertEquals(qemuInfo.subList(0, 4), ourInfo.subList(0, 4));
        assertEquals("non-zero data: 0 B (0 pages of 4 KiB, 0 bytes: what a flash load keeps resident)",
                ourInfo.get(4));
        try (BlockBackend image = Images.open(ours, "raw", true)) {
            assertEquals(0, image.allocatedBytes(), "created sparse");
        }
    }

    @Test
    void infoCountsNonZeroPagesAndDiskSize() throws IOException {
        Path image = dir.resolve("data.img");
        img("create", "-f", "raw", image.toString(), "8M");
        try (BlockBackend backend = Images.open(image, "raw", false)) {
            backend.write(3 * 4096 + 100, java.nio.ByteBuffer.wrap(new byte[] {1}));
            backend.write(1 << 20, java.nio.ByteBuffer.wrap(filled(2 * 4096 + 1)));
            backend.write(2 << 20, java.nio.ByteBuffer.allocate(64 * 1024)); // allocated zeros: not counted
        }
        List<String> info = img("info", image.toString()).out().lines().toList();
        List<String> qemuInfo = ExternalTool.qemuImg(dir, "info", "-f", "raw", image.toString()).lines().toList();
        assertEquals(qemuInfo.subList(0, 4), info.subList(0, 4));
        assertEquals("non-zero data: 16 KiB (4 pages of 4 KiB, 16384 bytes: what a flash load keeps resident)",
                info.get(4));
    }

    private static byte[] filled(int n) {
        byte[] bytes = new byte[n];
        Arrays.fill(bytes, (byte) 0x5a);
        return bytes;
    }

    @Test
    void checkOfRawSaysThereIsNoCheck() throws IOException {
        Path image = dir.resolve("r.img");
        img("create", image.toString(), "1M");
        ExternalTool.Result qemu = ExternalTool.exec(dir, "qemu-img", "check", "-f", "raw", image.toString());
        Run ours = img("check", image.toString());
        assertEquals(qemu.exitCode(), ours.exitCode());
        assertOneLineError(ours, ImgCommand.NO_CHECKS, image.toString(), "does not support checks");
    }

    @Test
    void createRefusesALockedImageAndLeavesItAlone() throws IOException {
        Path image = dir.resolve("busy.img");
        Files.write(image, filled(8192));
        try (BlockBackend held = Images.open(image, "raw", false)) {
            assertOneLineError(img("create", "-f", "raw", image.toString(), "1M"), ImgCommand.FAILED,
                    image.toString(), "Failed to get \"write\" lock");
        }
        assertEquals(8192, Files.size(image));
        assertEquals(0x5a, Files.readAllBytes(image)[8191]);
        // once free, create replaces it, as qemu-img does
        assertEquals(0, img("create", "-f", "raw", image.toString(), "4K").exitCode());
        assertTrue(Arrays.equals(new byte[4096], Files.readAllBytes(image)));
    }

    @Test
    void badInputIsOneLineAndAnExitCode() throws IOException {
        Path missing = dir.resolve("missing.img");
        assertOneLineError(img("info", missing.toString()), ImgCommand.FAILED, missing.toString(), "no such file");
        assertOneLineError(img("map", missing.toString()), ImgCommand.FAILED, missing.toString());
        assertOneLineError(img("check", missing.toString()), ImgCommand.FAILED, missing.toString());
        Path image = dir.resolve("x.img");
        assertOneLineError(img("create", "-f", "raw", image.toString(), "12q"), ImgCommand.FAILED, "'12q'");
        assertOneLineError(img("create", "-f", "raw", image.toString(), "1.5"), ImgCommand.FAILED, "'1.5'");
        assertOneLineError(img("create", "-f", "vmdk", image.toString(), "1M"), ImgCommand.FAILED, "vmdk");
        assertOneLineError(img("create", "-f", "raw", image.toString()), ImgCommand.FAILED, "needs a size");
        assertOneLineError(img("create", "-f", "raw", "-b", "base.img", image.toString(), "1M"),
                ImgCommand.FAILED, "backing");
        assertOneLineError(img("create", "-o", "cluster_size=4k", image.toString(), "1M"), ImgCommand.FAILED,
                "cluster_size=4k");
        assertFalse(Files.exists(image), "nothing created on bad input");
        assertOneLineError(img("info", "-f", "vmdk", missing.toString()), ImgCommand.FAILED, "vmdk");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertOneLineError(img(), ImgCommand.USAGE, "subcommand");
        assertOneLineError(img("convert", "a", "b"), ImgCommand.USAGE, "convert");
        assertOneLineError(img("info"), ImgCommand.USAGE, "image file");
        assertOneLineError(img("info", "a", "b"), ImgCommand.USAGE, "'b'");
        assertOneLineError(img("map", "--output=xml", "a"), ImgCommand.USAGE, "xml");
        assertOneLineError(img("map", "-x", "a"), ImgCommand.USAGE, "-x");
        assertOneLineError(img("create", "-f"), ImgCommand.USAGE, "-f");
        assertOneLineError(img("create", "x.img", "-5"), ImgCommand.USAGE, "-5");
        Run help = img("help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().startsWith("usage: virt img create"), help.out());
    }
}
