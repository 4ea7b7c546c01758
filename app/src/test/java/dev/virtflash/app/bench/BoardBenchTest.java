package dev.virtflash.app.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.image.Images;
import dev.virtflash.memory.HostMemory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The board benchmark's parts, and one short run against QEMU (figures printed, not asserted). */
class BoardBenchTest {

    @TempDir
    Path tmp;

    @Test
    void everyImageKindHoldsTheSameContents() throws Exception {
        byte[] head = "a payload".getBytes(StandardCharsets.US_ASCII);
        for (ImageKind kind : ImageKind.values()) {
            Path image = kind.create(tmp.resolve("f-" + kind.label()), head);
            Path raw = tmp.resolve(kind.label() + ".raw");
            Process p = new ProcessBuilder("qemu-img", "convert", "-f", kind.format(), "-O", "raw", image.toString(),
                    raw.toString()).inheritIO().start();
            assertEquals(0, p.waitFor(), "qemu-img convert " + kind);
            byte[] contents = Files.readAllBytes(raw);
            assertEquals(ImageKind.BANK_SIZE, contents.length, kind.label());
            byte[] expected = new byte[(int) ImageKind.BANK_SIZE];
            System.arraycopy(head, 0, expected, 0, head.length);
            assertArrayEquals(expected, contents, kind.label());
        }
        long sparse = Files.size(tmp.resolve("f-raw-sparse.img"));
        assertEquals(ImageKind.BANK_SIZE, sparse);
        assertTrue(allocated(tmp.resolve("f-raw-sparse.img")) < 1 << 20, "sparse raw is mostly a hole");
        assertTrue(allocated(tmp.resolve("f-raw-full.img")) >= ImageKind.BANK_SIZE, "full raw has every block");
    }

    private static long allocated(Path file) throws Exception {
        try (BlockBackend image = Images.open(file, "raw", true)) {
            return image.allocatedBytes();
        }
    }

    @Test
    void probeFindsMappingsByTheirExactSize() throws Exception {
        long size = (3L << 20) + 3 * 4096; // no other mapping of this process has this size
        try (HostMemory memory = HostMemory.allocate("probe-test", size)) {
            memory.fill(0, 1 << 20, (byte) 1);
            ProcessProbe probe = new ProcessProbe(ProcessHandle.current().pid(), size, 1);
            ProcessProbe.Sample s = probe.result();
            assertTrue(s.samples() >= 1, s.toString());
            assertEquals(1, s.mappingsFound(), s.toString());
            assertEquals(1 << 20, s.maxMappingRss(), s.toString());
            assertTrue(s.vmHwm() >= s.maxVmRss() && s.maxVmRss() > 1 << 20, s.toString());
        }
    }

    @Test
    void argumentsAndFormatting() {
        BoardBench.Options o = BoardBench.parse(List.of("--rounds", "2", "--kinds", "raw-full,qcow2",
                "--java-options", "-Xmx64m -Xss4m", "--sweep-only"));
        assertEquals(2, o.rounds());
        assertEquals(List.of(ImageKind.RAW_FULL, ImageKind.QCOW2), o.kinds());
        assertEquals(List.of("-Xmx64m", "-Xss4m"), o.javaOptions());
        assertTrue(o.sweep() && !o.compare());
        assertEquals(List.of(0, 2), o.loads());
        assertEquals(100, o.boards());
        BoardBench.Options loaded = BoardBench.parse(List.of("--load", "2", "--boards", "0"));
        assertEquals(List.of(2), loaded.loads());
        assertEquals(0, loaded.boards());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> BoardBench.parse(List.of("--load", "0,x")));
        assertEquals("--load 0,x: 'x', expected a number from 0 to 16", bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BoardBench.parse(List.of("--rounds", "0")));
        assertThrows(IllegalArgumentException.class, () -> BoardBench.parse(List.of("--kinds", "vmdk")));
        assertThrows(IllegalArgumentException.class, () -> BoardBench.parse(List.of("--frob")));
        assertEquals(300, BoardBench.sum(Pattern.compile("\"r\":(\\d+)"), "{\"r\":100,\"x\":{\"r\":200}}"));
        assertEquals("  a    bb\n  ccc   d\n", BoardBench.table(List.of(new String[] {"a", "bb"},
            new String[] {"ccc", "d"})));
        assertEquals(List.of("-M", "virt", "-cpu", "cortex-a57", "-m", "128M", "-nographic", "-nic", "none",
                "-semihosting", "-drive", "if=pflash,unit=0,format=qcow2,file=/a", "-drive",
                "if=pflash,unit=1,format=qcow2,file=/b"),
                BoardBench.boardOptions(ImageKind.QCOW2, Path.of("/a"), Path.of("/b")));
    }

    @Test
    void firmwareOptions() {
        assertEquals(List.of(Firmware.UBOOT, Firmware.EDK2, Firmware.LINUX), BoardBench.parse(List.of()).firmware());
        BoardBench.Options o = BoardBench.parse(List.of("--no-payload", "--firmware", "edk2"));
        assertEquals(List.of(), o.kinds());
        assertEquals(List.of(Firmware.EDK2), o.firmware());
        assertEquals(List.of(), BoardBench.parse(List.of("--no-firmware")).firmware());
        assertThrows(IllegalArgumentException.class, () -> BoardBench.parse(List.of("--firmware", "grub")));
        FirmwareBench.Boot m = FirmwareBench.median(List.of(new FirmwareBench.Boot(300, 30, 3, 9, 2),
                new FirmwareBench.Boot(100, 10, 1, 7, 2), new FirmwareBench.Boot(200, 20, 2, 8, 1)));
        assertEquals(new FirmwareBench.Boot(200, 20, 2, 8, 1), m);
    }

    /**
     * One round of U-Boot to "=>", ours against QEMU 7.2, both driven through pipes: the row is printed, both boots
     * reached the prompt, both processes' two 64 MiB banks were found, and the figures are plausible.
     */
    @Test
    void oneUBootRoundAgainstQemu() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = BoardBench.run(List.of("--rounds", "1", "--no-payload", "--firmware", "uboot", "--load", "0",
                "--boards", "0", "--java-options",
                "-XX:+UseSerialGC -Xss4m -XX:TieredStopAtLevel=1 -Xms8m", "--dir", tmp.toString()), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertEquals(0, rc, text + err);
        assertTrue(text.contains("firmware: U-Boot to \"=>\""), text);
        assertTrue(text.contains("64 MiB flash mappings found: ours 2, QEMU 2"), text);
        java.util.regex.Matcher time = Pattern.compile("time to the prompt, median of 1 +(\\d+) ms +(\\d+) ms")
                .matcher(text);
        assertTrue(time.find(), text);
        assertTrue(Long.parseLong(time.group(1)) > 0 && Long.parseLong(time.group(2)) > 0, text);
        // QEMU reads flash1's 64 MiB image whole; we keep U-Boot's 1 MiB in flash0 and little else.
        java.util.regex.Matcher flash = Pattern.compile("flash resident at the prompt +([0-9.]+) (KiB|MiB) +([0-9.]+)"
                + " MiB").matcher(text);
        assertTrue(flash.find(), text);
        assertTrue(Double.parseDouble(flash.group(3)) >= 64, text);
        assertTrue(flash.group(2).equals("KiB") || Double.parseDouble(flash.group(1)) < 4, text);
        assertTrue(text.contains("targets: time <= 1.0x QEMU: "), text);
        assertTrue(text.contains("CPU time <= 1.0x QEMU: "), text);
        assertTrue(text.contains("=== condition: quiet (no busy loops added) ==="), text);
    }

    @Test
    void busyLoopsRunUntilClosed() throws Exception {
        List<ProcessHandle> loops;
        try (BusyLoad load = BusyLoad.start(2)) {
            assertEquals(2, load.count());
            assertEquals("with 2 busy-loop processes beside it", load.label());
            loops = ProcessHandle.current().children().filter(p -> p.info().command().orElse("").endsWith("sh"))
                    .toList();
            assertEquals(2, loops.size(), loops.toString());
            Thread.sleep(300);
            for (ProcessHandle p : loops) {
                assertTrue(p.isAlive());
                assertTrue(p.info().totalCpuDuration().orElseThrow().toMillis() > 0, "spins");
            }
        }
        for (ProcessHandle p : loops) {
            assertTrue(!p.isAlive(), "killed at close");
        }
        try (BusyLoad none = BusyLoad.start(0)) {
            assertEquals("quiet (no busy loops added)", none.label());
        }
    }

    /** One round on sparse raw images, ours against QEMU 7.2: both print the same console; the table is printed. */
    @Test
    void oneRoundAgainstQemu() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = BoardBench.run(List.of("--rounds", "1", "--kinds", "raw-sparse", "--no-firmware", "--load", "0",
                "--boards", "3", "--java-options",
                "-XX:+UseSerialGC -Xss4m", "--dir", tmp.toString()), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertEquals(0, rc, text + err);
        assertTrue(text.contains("same console and exit code: yes; QEMU flash mappings found: 2"), text);
        assertTrue(text.contains("flash resident, both banks"), text);
        assertTrue(text.contains("target: launch to exit <= 1.0x QEMU: "), text);
        assertTrue(text.contains("=== condition: quiet (no busy loops added) ==="), text);
        assertTrue(Pattern.compile("erase \\+ program \\+ verify +\\d+ ms +\\d+ ms +[0-9.]+ +[0-9.]+").matcher(text).find(),
                text);
        assertTrue(text.contains("in-process: 3 boards"), text);
        assertTrue(text.contains("target: median per board <= 50 ms: "), text);
        for (String scenario : List.of("array reads", "word program", "buffered program")) {
            assertTrue(Pattern.compile(scenario + ".* [0-9.]+ +(yes|NO)").matcher(text).find(), scenario + "\n" + text);
        }
    }
}
