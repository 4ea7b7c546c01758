package dev.virtflash.app.img;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.app.cli.Sizes;
import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ExternalTool;
import dev.virtflash.hw.block.ImageFixtures;
import dev.virtflash.hw.block.image.Images;
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
        return ImageFixtures.cases(SEEDS);
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
        ExternalTool.Result qemuHuman = ExternalTool.exec(dir, "qemu-img", "map", image.toString());
        Run ourHuman = img("map", image.toString());
        assertEquals(qemuHuman.out(), ourHuman.out(), kind + " seed " + seed + ", human format");
        assertEquals(qemuHuman.exitCode(), ourHuman.exitCode(), ourHuman.err());
        if (qemuHuman.exitCode() != 0) { // the rows up to the first compressed cluster, which has no offset to show
            assertTrue(qemuHuman.err().contains("compressed clusters"), qemuHuman.err());
            assertEquals(1, ourHuman.err().lines().count(), ourHuman.err());
            assertTrue(ourHuman.err().startsWith(image + ": ") && ourHuman.err().contains("compressed clusters"),
                    ourHuman.err());
        }
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

    /** One seed per kind: info prints every line qemu-img info prints, then the chain and the non-zero pages. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void infoPrintsWhatQemuImgPrintsThenTheChainAndTheNonZeroData(ImageFixtures.Kind kind) throws IOException {
        Path image = kind.build(dir, ImageFixtures.writeSource(dir.resolve("source.raw"), 3));
        List<String> qemu = ExternalTool.qemuImg(dir, "info", image.toString()).lines().toList();
        Run ours = img("info", image.toString());
        assertEquals(0, ours.exitCode(), ours.err());
        List<String> lines = ours.out().lines().toList();
        assertEquals(qemu, lines.subList(0, Math.min(qemu.size(), lines.size())), kind.toString());
        List<String> extra = lines.subList(qemu.size(), lines.size());
        if (kind == ImageFixtures.QCOW2_OVER_RAW || kind == ImageFixtures.QCOW2_OVER_QCOW2) {
            String base = kind == ImageFixtures.QCOW2_OVER_RAW ? dir.resolve("base.raw") + " (raw)"
                    : dir.resolve("base.qcow2") + " (qcow2)";
            assertEquals("backing chain: " + image + " (qcow2) -> " + base, extra.get(0));
            extra = extra.subList(1, extra.size());
        }
        long pages = ImageFixtures.nonZeroPages(ImageFixtures.qemuContents(image));
        assertEquals(List.of("non-zero data: " + Sizes.qemuHuman(pages * 4096) + " (" + pages + " pages of 4 KiB, "
                + pages * 4096 + " bytes: what a flash load keeps resident)"), extra, kind.toString());
    }

    static List<ImageFixtures.Kind> kinds() {
        return ImageFixtures.ALL;
    }

    /** qcow2 images made by {@code virt img create} and by {@code qemu-img create} with the same options. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"64M", "1000", "1.5K", "0", "3G", "-o compat=0.10 1M", "-o compat=v3 1M",
        "-o compat=0.10 -o compat=1.1 1M", "-o cluster_size=4k 8M", "-o cluster_size=2M,compat=0.10 100M",
        "-b base.raw -F raw", "-b base.raw -F raw 2M", "-b base.qcow2 -F qcow2", "-o compat=0.10 -b base.raw -F raw",
        "-b sub/../base.raw -F raw 512K"})
    void createQcow2MakesWhatQemuImgMakes(String options) throws IOException {
        List<String> args = List.of(options.split(" "));
        List<String> positional = new ArrayList<>();
        List<String> flags = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).startsWith("-")) {
                flags.add(args.get(i));
                flags.add(args.get(++i));
            } else {
                positional.add(args.get(i));
            }
        }
        Path qemuDir = Files.createDirectories(dir.resolve("q"));
        Path ourDir = Files.createDirectories(dir.resolve("o"));
        for (Path d : List.of(qemuDir, ourDir)) {
            Files.createDirectories(d.resolve("sub"));
            ExternalTool.qemuImg(d, "create", "-q", "-f", "raw", "base.raw", "1M");
            ExternalTool.qemuImg(d, "create", "-q", "-f", "qcow2", "base.qcow2", "3M");
        }
        List<String> qemuCommand = new ArrayList<>(List.of("create", "-f", "qcow2"));
        qemuCommand.addAll(flags);
        qemuCommand.add(qemuDir.resolve("img.qcow2").toString());
        qemuCommand.addAll(positional);
        String qemuOut = ExternalTool.qemuImg(qemuDir, qemuCommand.toArray(String[]::new));
        List<String> ourCommand = new ArrayList<>(qemuCommand);
        ourCommand.set(ourCommand.size() - 1 - positional.size(), ourDir.resolve("img.qcow2").toString());
        Run ours = img(ourCommand.toArray(String[]::new));
        assertEquals(0, ours.exitCode(), ours.err());
        assertEquals(qemuOut.replace(qemuDir.toString(), ourDir.toString()), ours.out(), options);

        byte[] theirs = Files.readAllBytes(qemuDir.resolve("img.qcow2"));
        byte[] mine = Files.readAllBytes(ourDir.resolve("img.qcow2"));
        assertEquals(theirs.length, mine.length, "file length for " + options);
        assertTrue(Arrays.equals(theirs, mine), options + ": the same bytes, first difference at "
                + Arrays.mismatch(theirs, mine));
        Run check = img("check", ourDir.resolve("img.qcow2").toString());
        assertEquals(0, check.exitCode(), check.out() + check.err());
        List<String> qemuInfo = ExternalTool.qemuImg(ourDir, "info", ourDir.resolve("img.qcow2").toString()).lines()
                .toList();
        List<String> ourInfo = img("info", ourDir.resolve("img.qcow2").toString()).out().lines().toList();
        assertEquals(qemuInfo, ourInfo.subList(0, qemuInfo.size()), options);
    }

    @Test
    void createQcow2RefusesWhatQemuImgRefusesAndCreatesNothing() throws IOException {
        ExternalTool.qemuImg(dir, "create", "-q", "-f", "raw", "base.raw", "1M");
        Path image = dir.resolve("top.qcow2");
        String base = "base.raw";
        // qemu-img 7.2: "Backing file specified without backing format"
        assertOneLineError(img("create", "-f", "qcow2", "-b", base, image.toString()), ImgCommand.FAILED,
                image.toString(), "without its format", "-F raw");
        assertOneLineError(img("create", "-f", "qcow2", "-b", "missing.raw", "-F", "raw", image.toString(), "1M"),
                ImgCommand.FAILED, "missing.raw");
        // qemu-img: "Image is not in qcow2 format"
        assertOneLineError(img("create", "-f", "qcow2", "-b", base, "-F", "qcow2", image.toString()),
                ImgCommand.FAILED, "base.raw", "magic");
        assertOneLineError(img("create", "-f", "qcow2", "-o", "cluster_size=3k", image.toString(), "1M"),
                ImgCommand.FAILED, "cluster_size '3k'");
        assertOneLineError(img("create", "-f", "qcow2", "-o", "compat=2.0", image.toString(), "1M"),
                ImgCommand.FAILED, "compat=2.0");
        assertOneLineError(img("create", "-f", "raw", "-o", "compat=1.1", image.toString(), "1M"),
                ImgCommand.FAILED, "compat=1.1");
        assertFalse(Files.exists(image), "nothing created");
        // an image cannot be its own backing file; the existing image is left alone
        assertEquals(0, img("create", "-f", "qcow2", image.toString(), "1M").exitCode());
        byte[] before = Files.readAllBytes(image);
        assertOneLineError(img("create", "-f", "qcow2", "-b", "top.qcow2", "-F", "qcow2", image.toString()),
                ImgCommand.FAILED, image.toString(), "is the image itself");
        assertTrue(Arrays.equals(before, Files.readAllBytes(image)));
    }

    @Test
    void createQcow2OverAnImageThatIsInUseStillWorksButNotOverTheImageItself() throws IOException {
        Path base = dir.resolve("base.raw");
        img("create", base.toString(), "1M");
        try (BlockBackend running = Images.open(base, "raw", true)) { // a reader: shared lock
            Run created = img("create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", dir.resolve("o.qcow2")
                    .toString());
            assertEquals(0, created.exitCode(), created.err());
        }
        try (BlockBackend writer = Images.open(dir.resolve("o.qcow2"), null, false)) {
            assertOneLineError(img("create", "-f", "qcow2", dir.resolve("o.qcow2").toString(), "1M"),
                    ImgCommand.FAILED, "o.qcow2", "lock");
        }
    }

    /** {@code virt img check} prints what {@code qemu-img check} prints, where it prints it, and exits as it does. */
    private void assertCheckAgrees(Path image, int expectedExit) {
        ExternalTool.Result qemu = ExternalTool.exec(dir, "qemu-img", "check", image.toString());
        Run ours = img("check", image.toString());
        assertEquals(expectedExit, qemu.exitCode(), qemu.toString());
        assertEquals(qemu.exitCode(), ours.exitCode(), ours.toString());
        assertEquals(qemu.out(), ours.out(), "stdout");
        assertEquals(qemu.err(), ours.err(), "stderr");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qcow2Kinds")
    void checkOfCleanImagesAgreesWithQemuImg(ImageFixtures.Kind kind) throws IOException {
        assertCheckAgrees(kind.build(dir, ImageFixtures.writeSource(dir.resolve("source.raw"), 5)), 0);
    }

    static List<ImageFixtures.Kind> qcow2Kinds() {
        return ImageFixtures.QCOW2;
    }

    /** A 4 MiB v3 image with 192 KiB of data (three clusters); returns it. */
    private Path smallImage() {
        ExternalTool.qemuImg(dir, "create", "-q", "-f", "qcow2", "img.qcow2", "4M");
        ExternalTool.run(dir, "qemu-io", "-f", "qcow2", "-c", "write -P 7 0 192k", "img.qcow2");
        return dir.resolve("img.qcow2");
    }

    private static long readLong(Path file, long offset) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            ch.read(b, offset);
        }
        return b.getLong(0);
    }

    private static void poke16(Path file, long offset, int value) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(2).putShort(0, (short) value), offset);
        }
    }

    /** The refcount entry (16-bit, first refcount block) of the host cluster at {@code hostOffset}. */
    private static long refcountEntry(Path image, long hostOffset) throws IOException {
        long block = readLong(image, readLong(image, 48)); // refcount table offset -> first block
        return block + 2 * (hostOffset / 65536);
    }

    @Test
    void checkFindsALeakAsQemuImgDoes() throws IOException {
        Path image = smallImage();
        long end = Files.size(image);
        long cluster = (end + 65535) / 65536 * 65536;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(image,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(65536), cluster); // one more cluster...
        }
        poke16(image, refcountEntry(image, cluster), 1); // ...counted, but referenced by nothing: a leak
        assertCheckAgrees(image, 3);
        assertTrue(img("check", image.toString()).out().contains("1 leaked clusters were found on the image."));
    }

    @Test
    void checkFindsACorruptionAsQemuImgDoes() throws IOException {
        Path image = smallImage();
        long l2 = readLong(image, readLong(image, 40)) & 0x00FF_FFFF_FFFF_FE00L;
        poke16(image, refcountEntry(image, l2), 0); // the L2 table in use, refcount 0
        assertCheckAgrees(image, 2);
        Run ours = img("check", image.toString());
        assertTrue(ours.err().startsWith("ERROR"), ours.err());
        assertTrue(ours.out().contains("errors were found on the image."), ours.out());
    }

    @Test
    void checkOfAnImageWithABrokenHeaderIsOneLine() throws IOException {
        Path image = smallImage();
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(image,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(4).putInt(0, 31), 20);
        }
        assertEquals(1, ExternalTool.exec(dir, "qemu-img", "check", image.toString()).exitCode());
        assertOneLineError(img("check", image.toString()), ImgCommand.FAILED, image.toString(), "cluster_bits 31");
        Path raw = Files.write(dir.resolve("plain.raw"), new byte[4096]);
        assertOneLineError(img("check", "-f", "qcow2", raw.toString()), ImgCommand.FAILED, raw.toString(), "magic");
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
