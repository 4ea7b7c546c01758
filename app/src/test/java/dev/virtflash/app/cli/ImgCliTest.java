package dev.virtflash.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.app.img.ImgCommand;
import dev.virtflash.app.bench.LoadBench;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4, acceptance 6, end to end through {@link Main} as the {@code virt} command runs it: each bad image is refused
 * by {@code virt img info FILE} and by a machine given it as a flash drive ({@code -drive if=pflash,...}, which opens
 * it read-write through {@code Images.open}) with one line on stderr naming the file, the number found and what was
 * expected; a non-zero exit; no stack trace; the image byte for byte as it was. The machine fails before any CPU
 * exists, so nothing here needs Unicorn.
 */
class ImgCliTest {

    private static final String BANK_SIZE = "64M";

    @TempDir
    Path dir;

    /** What one {@code virt} run printed. */
    record Run(int exitCode, String out, String err) {
    }

    private static Run virt(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            Main main = new Main(CommandLineParserTest.TEST_PAYLOADS,
                    new MachineRunner(CommandLineParserTest.TEST_PAYLOADS, new ByteArrayInputStream(new byte[0])),
                    Map.of("img", ImgCommand::run, "bench", (a, so, se) -> LoadBench.run(a, so)), o, e);
            code = main.run(Arrays.asList(args));
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String qemuImg(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("qemu-img"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "qemu-img hangs: " + command);
        assertEquals(0, p.exitValue(), command + ": " + output);
        return output;
    }

    /** A fresh bank-sized qcow2 image made by qemu-img. */
    private Path qcow2(String name, String... options) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("create", "-q", "-f", "qcow2"));
        args.addAll(List.of(options));
        args.add(name);
        args.add(BANK_SIZE);
        qemuImg(args.toArray(String[]::new));
        return dir.resolve(name);
    }

    private static void patch(Path file, long offset, ByteBuffer bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(bytes, offset);
        }
    }

    private static void patchInt(Path file, long offset, int value) throws IOException {
        patch(file, offset, ByteBuffer.allocate(4).putInt(0, value));
    }

    private static void patchLong(Path file, long offset, long value) throws IOException {
        patch(file, offset, ByteBuffer.allocate(8).putLong(0, value));
    }

    private void assertRefusedLine(Run run, String prefix, Path named, String... fragments) {
        assertTrue(run.exitCode() != 0, "non-zero exit: " + run);
        assertEquals("", run.out(), "nothing on stdout: " + run);
        List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), "one line: " + run.err());
        String line = lines.get(0);
        assertFalse(run.err().contains("\tat ") || run.err().contains("Exception"), "no stack trace: " + line);
        assertTrue(line.startsWith(prefix + named + ": "), "names the file first: " + line);
        for (String fragment : fragments) {
            assertTrue(line.contains(fragment), "'" + fragment + "' in: " + line);
        }
    }

    /**
     * {@code virt img info IMAGE} and a machine with IMAGE as flash bank 1 (read-write) both refuse it with one line
     * naming {@code named} and holding {@code fragments}; the image and every file next to it stay as they were.
     *
     * @param format {@code format=} for the drive and {@code -f} for info, or {@code null} to detect it
     */
    private void refusedEverywhere(Path image, String format, Path named, String... fragments) throws IOException {
        Map<Path, byte[]> before = snapshot();
        List<String> info = new ArrayList<>(List.of("img", "info"));
        if (format != null) {
            info.addAll(List.of("-f", format));
        }
        info.add(image.toString());
        Run byInfo = virt(info.toArray(String[]::new));
        assertEquals(ImgCommand.FAILED, byInfo.exitCode(), byInfo.toString());
        assertRefusedLine(byInfo, "", named, fragments);

        Run byMachine = machineWith(image, format);
        assertEquals(1, byMachine.exitCode(), byMachine.toString());
        assertRefusedLine(byMachine, "virt: ", named, fragments);
        assertSame(before, snapshot());
    }

    private Run machineWith(Path image, String format) throws IOException {
        Path bios = Files.createDirectories(dir.resolve("firmware")).resolve("bios.bin"); // outside the snapshot
        if (!Files.exists(bios)) {
            Files.write(bios, new byte[] {0x00, 0x00, 0x00, 0x14}); // b . (never run)
        }
        return virt("-bios", bios.toString(), "-serial", "null", "-drive", "if=pflash,unit=1,"
                + (format == null ? "" : "format=" + format + ",") + "file=" + image);
    }

    private Map<Path, byte[]> snapshot() throws IOException {
        Map<Path, byte[]> files = new java.util.TreeMap<>();
        try (var paths = Files.list(dir)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                files.put(p.getFileName(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    private static void assertSame(Map<Path, byte[]> before, Map<Path, byte[]> after) {
        assertEquals(before.keySet(), after.keySet(), "no file created or removed");
        for (Map.Entry<Path, byte[]> e : before.entrySet()) {
            assertArrayEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " unchanged");
        }
    }

    @Test
    void truncatedHeader() throws Exception {
        Path image = qcow2("trunc.qcow2");
        Files.write(image, Arrays.copyOf(Files.readAllBytes(image), 50));
        refusedEverywhere(image, null, image, "truncated header", "50 bytes", "expected at least 72");
    }

    @Test
    void wrongMagicWhenQcow2IsNamed() throws Exception {
        Path image = dir.resolve("plain.img");
        qemuImg("create", "-q", "-f", "raw", "plain.img", BANK_SIZE);
        refusedEverywhere(image, "qcow2", image, "wrong magic 0x00000000", "expected 0x514649fb");
    }

    @Test
    void clusterBitsOutOfRange() throws Exception {
        Path image = qcow2("bits.qcow2");
        patchInt(image, 20, 31);
        refusedEverywhere(image, null, image, "cluster_bits 31, expected 9 to 21");
        patchInt(image, 20, 8);
        refusedEverywhere(image, "qcow2", image, "cluster_bits 8, expected 9 to 21");
    }

    @Test
    void l1TablePastTheEndOfTheFile() throws Exception {
        Path image = qcow2("l1.qcow2");
        long length = Files.size(image);
        patchLong(image, 40, 0x4000_0000L);
        refusedEverywhere(image, null, image, "L1 table at 0x40000000", "past the end of the file (" + length
                + " bytes)");
    }

    @Test
    void refcountTablePastTheEndOfTheFile() throws Exception {
        Path image = qcow2("rt.qcow2");
        long length = Files.size(image);
        patchLong(image, 48, 0x4000_0000L);
        refusedEverywhere(image, null, image, "refcount table at 0x40000000", "past the end of the file (" + length
                + " bytes)");
    }

    @Test
    void missingBackingFile() throws Exception {
        qcow2("base.qcow2");
        Path top = qcow2("top.qcow2", "-b", "base.qcow2", "-F", "qcow2");
        Files.delete(dir.resolve("base.qcow2"));
        refusedEverywhere(top, null, top, "backing file 'base.qcow2' not found", dir.resolve("base.qcow2")
                .toString());
    }

    @Test
    void backingLoop() throws Exception {
        qcow2("b.qcow2");
        Path a = qcow2("a.qcow2", "-b", "b.qcow2", "-F", "qcow2");
        qemuImg("rebase", "-u", "-b", "a.qcow2", "-F", "qcow2", "b.qcow2");
        Path realA = a.toRealPath();
        Path realB = dir.resolve("b.qcow2").toRealPath();
        refusedEverywhere(a, "qcow2", dir.resolve("b.qcow2"), "backing chain loops back to " + realA,
                realA + " -> " + realB + " -> " + realA);
    }

    @Test
    void unsupportedFeatureBits() throws Exception {
        Path unknown = qcow2("unknown.qcow2");
        patchLong(unknown, 72, 1L << 9);
        refusedEverywhere(unknown, null, unknown, "unknown incompatible feature bit 9 is not supported");
        Path extended = qcow2("extl2.qcow2", "-o", "extended_l2=on");
        refusedEverywhere(extended, null, extended, "extended L2 entries (incompatible feature bit 4)",
                "not supported");
    }

    @Test
    void imageNotTheBankSize() throws Exception {
        qemuImg("create", "-q", "-f", "qcow2", "small.qcow2", "1M");
        Path image = dir.resolve("small.qcow2");
        Map<Path, byte[]> before = snapshot();
        // virt img info has no size to compare with: it describes the image
        Run info = virt("img", "info", image.toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("virtual size: 1 MiB (1048576 bytes)"), info.out());
        Run machine = machineWith(image, "qcow2");
        assertEquals(1, machine.exitCode());
        assertRefusedLine(machine, "virt: ", image, "requires 67108864 bytes, the image provides 1048576 bytes");
        assertSame(before, snapshot());
    }

    @Test
    void imgCheckThroughMainAgreesWithQemuImgOnAGoodAndABrokenImage() throws Exception {
        Path good = qcow2("good.qcow2");
        Run check = virt("img", "check", good.toString());
        assertEquals(0, check.exitCode(), check.err());
        assertEquals("No errors were found on the image.\nImage end offset: 262144\n", check.out());
        assertEquals(qemuImg("check", good.toString()), check.out());
        patchInt(good, 20, 31);
        assertRefusedLine(virt("img", "check", good.toString()), "", good, "cluster_bits 31");
    }

    @Test
    void imgCreateThroughMainMakesAQcow2ImageTheMachineOpens() throws Exception {
        Path image = dir.resolve("vars.qcow2");
        Run created = virt("img", "create", "-f", "qcow2", image.toString(), BANK_SIZE);
        assertEquals(0, created.exitCode(), created.err());
        assertEquals("Formatting '" + image + "', fmt=qcow2 cluster_size=65536 extended_l2=off compression_type=zlib"
                + " size=67108864 lazy_refcounts=off refcount_bits=16\n", created.out());
        qemuImg("check", image.toString());
        Run info = virt("img", "info", image.toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("file format: qcow2\nvirtual size: 64 MiB (67108864 bytes)\n"), info.out());
        assertTrue(info.out().endsWith("non-zero data: 0 B (0 pages of 4 KiB, 0 bytes: what a flash load keeps"
                + " resident)\n"), info.out());
    }
}
