package dev.virtflash.guesttests.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.guesttests.linux.LinuxClient.Emulator;
import dev.virtflash.guesttests.uboot.ProcessConsole;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: Linux's own flash stack ({@code physmap-of} → {@code cfi_probe} → {@code cfi_cmdset_0001}, the MTD test
 * modules, UBI and UBIFS) on our board and on QEMU 7.2, with the same kernel, initramfs and images
 * ({@link LinuxClient}). One boot per emulator runs several steps of the init script.
 *
 * <ul>
 *   <li>The CFI probe, the concatenation, the partitions and {@code /proc/mtd} print the same on both: two 64 MiB
 *       partitions of 256 KiB erase blocks.</li>
 *   <li>{@code mtd_readtest}, {@code mtd_speedtest}, {@code mtd_stresstest}, {@code mtd_torturetest} pass on bank 1
 *       (bounded: 4 blocks, 50 operations, 3 cycles of 2 blocks); 64 KiB written through {@code /dev/mtd1} read back
 *       equal and are the image's first 64 KiB.</li>
 *   <li>Where QEMU 7.2 is wrong (our real-NOR semantics): four byte writes into one word through {@code /dev/mtd1}
 *       accumulate on ours and keep only the last byte on QEMU; an erase and a write on a read-only bank 1 end with
 *       the error reported and Linux going on, on ours, while QEMU hangs in each (after the erase, Linux's 0x50/0x70
 *       polls SR.7, which QEMU's 0x50 cleared; the refused buffered program aborts to read-array).</li>
 *   <li>With a drive on pflash unit 0 as well, our board still boots the kernel directly (no fw_cfg here; QEMU would
 *       run bank 0 as firmware), so the read-only test boots ours that way.</li>
 *   <li>UBIFS on bank 1 (a qcow2 image): files written and synced, a new boot on the same image finds them;
 *       {@code virt img check} finds the image clean and reports its allocation.</li>
 * </ul>
 */
class LinuxMtdTest {

    static final Duration TIMEOUT = Duration.ofMinutes(5);
    static final long BANK = 64L << 20;
    /** Kernel lines of the probe, the concatenation and the partitions, and what the probe step prints. */
    static final Pattern PROBE = Pattern.compile("^physmap-flash |^0\\.flash: |^Intel/Sharp|buffer write method"
            + "|^Concatenating|^\\(\\d\\): |^into device|cmdlinepart partitions|MTD partitions|^0x0000|^mtd\\d|^dev: ");
    static final List<String> PROC_MTD = List.of(
            "dev:    size   erasesize  name",
            "mtd0: 04000000 00040000 \"flash0\"",
            "mtd1: 04000000 00040000 \"flash1\"");
    static final List<String> MTD_TESTS_FINISHED = List.of(
            "mtd_readtest: finished",
            "mtd_speedtest: finished",
            "mtd_stresstest: finished, 50 operations done",
            "mtd_torturetest: finished after 3 erase cycles");

    @Test
    void cfiProbeMtdTestsAndRawWritesAsOnQemu(@TempDir Path dir) throws Exception {
        Map<Emulator, String> console = new EnumMap<>(Emulator.class);
        for (Emulator e : List.of(Emulator.QEMU, Emulator.VIRT)) {
            Path image = sparse(dir.resolve(e.name + "-flash1.img"));
            String c = LinuxClient.run(e, "probe,byte-writes,mtd-tests,raw", image, "raw", TIMEOUT);
            console.put(e, c);
            assertEquals(List.of("probe pass", "byte-writes pass", "mtd-tests pass", "raw pass"),
                    LinuxClient.steps(c), () -> e.name + ":\n" + c);

            List<String> mtd = LinuxClient.lines(c, "mtd_");
            assertEquals(MTD_TESTS_FINISHED, mtd.stream().filter(l -> l.contains("finished"))
                    .collect(Collectors.toList()), () -> e.name + ": " + mtd);
            assertTrue(mtd.stream().noneMatch(l -> l.contains("error")), () -> e.name + ": " + mtd);

            String raw = LinuxClient.lines(c, "raw: pattern md5 ").get(0);
            String[] w = raw.split(" ");
            assertEquals(w[3], w[7], "read back through /dev/mtd1 equals what was written: " + raw);
            assertEquals(w[3], md5(image, 0, 64 << 10), e.name + ": the image holds the bytes the guest wrote");
            assertEquals(List.of("raw: rest of the block erased (0xff)"), LinuxClient.lines(c, "raw: rest"));
        }
        List<String> theirs = probe(console.get(Emulator.QEMU));
        assertTrue(theirs.containsAll(PROC_MTD), theirs::toString);
        assertTrue(theirs.contains("Creating 2 MTD partitions on \"0.flash\":"), theirs::toString);
        assertTrue(theirs.contains("0.flash: Found 2 x16 devices at 0x0 in 32-bit bank. Manufacturer ID 0x000000 "
                + "Chip ID 0x000000"), theirs::toString);
        assertEquals(String.join("\n", theirs), String.join("\n", probe(console.get(Emulator.VIRT))));

        // Linux pads each byte to a bus word with 0xFF: real NOR ANDs them together, QEMU keeps the last word.
        assertEquals(List.of("byte-writes: word 11 22 33 44"),
                LinuxClient.lines(console.get(Emulator.VIRT), "byte-writes: word"));
        assertEquals(List.of("byte-writes: word ff ff ff 44"),
                LinuxClient.lines(console.get(Emulator.QEMU), "byte-writes: word"));
    }

    @Test
    void refusedEraseAndProgramOnAReadOnlyBankAreErrorsOnOursAndHangQemu(@TempDir Path dir) throws Exception {
        // Block 0 erased, as flash is before a program. (QEMU's refused buffered program aborts to read-array, and
        // Linux then polls the array for status: 0xFF reads as ready with error bits, and its 0x50/0x70 recovery
        // hangs as after the erase; zeros would read as busy and end in "buffer write error (status timeout)".)
        Path image = sparse(dir.resolve("flash1.img"));
        byte[] erased = new byte[256 << 10];
        Arrays.fill(erased, (byte) 0xFF);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.write(erased);
        }
        Path flash0 = sparse(dir.resolve("flash0.img")); // ours boots the kernel directly with a unit 0 drive too
        try (ProcessConsole c = new ProcessConsole("virt", LinuxClient.command(Emulator.VIRT, "erase,write", flash0,
                image, "raw", true), TIMEOUT)) {
            c.await(LinuxClient.DONE);
            assertEquals(0, c.waitFor(Duration.ofSeconds(60)), c::console);
            String log = c.console().replace("\r", "");
            assertEquals(List.of("erase pass", "write pass"), LinuxClient.steps(log), log);
            assertEquals(List.of("0.flash: block erase failed at 0x00000000 (status 0xa000a0)"),
                    LinuxClient.lines(log, "block erase failed"), log);
            assertEquals(1, LinuxClient.lines(log, "MTD Erase failure").size(), log);
            assertEquals(List.of("0.flash: buffer write error (status 0x900090)"),
                    LinuxClient.lines(log, "buffer write error"), log);
            assertEquals(List.of("write: dd exit status 1; the kernel goes on"), LinuxClient.lines(log, "write: dd"));
        }
        for (String step : List.of("erase", "write")) {
            try (ProcessConsole q = new ProcessConsole("qemu", LinuxClient.command(Emulator.QEMU, step, image, "raw",
                    true), TIMEOUT)) {
                q.await("virtflash: step " + step + " begin");
                Thread.sleep(10_000); // QEMU refuses at once: 10 s without an answer is a hang
                String log = q.console();
                assertFalse(log.contains(step + ": ") || log.contains("failed at") || log.contains("write error"),
                        log);
                assertEquals(-1, q.waitFor(Duration.ZERO), step + ": QEMU still runs, the guest polling for SR.7");
            }
        }
        assertEquals(md5(erased), md5(image, 0, 256 << 10), "the read-only image is untouched");
    }

    @Test
    void ubifsFilesSurviveANewBootAndTheQcow2ImageChecksClean(@TempDir Path dir) throws Exception {
        for (Emulator e : List.of(Emulator.QEMU, Emulator.VIRT)) {
            Path image = dir.resolve(e.name + "-flash1.qcow2");
            List<String> created = run(List.of("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "64M"));
            assertEquals("0", created.get(0), created.get(1));
            String written = LinuxClient.run(e, "ubi-write", image, "qcow2", TIMEOUT);
            assertEquals(List.of("ubi-write pass"), LinuxClient.steps(written), () -> e.name + ":\n" + written);
            String read = LinuxClient.run(e, "ubi-check", image, "qcow2", TIMEOUT);
            assertEquals(List.of("ubi-check pass"), LinuxClient.steps(read), () -> e.name + ":\n" + read);
            List<String> files = LinuxClient.lines(written, "ubi: file ");
            assertEquals(3, files.size(), written);
            assertEquals(files, LinuxClient.lines(read, "ubi: file "), e.name + ": the files after a new boot");

            List<String> check = virt("img", "check", image.toString());
            assertEquals("0", check.get(0), "virt img check exit code: " + check);
            assertTrue(check.get(1).contains("No errors were found on the image."), check.get(1));
            assertTrue(Pattern.compile("\\d+/1024 = [0-9.]+% allocated").matcher(check.get(1)).find(),
                    "allocation reported: " + check.get(1));
        }
    }

    private static List<String> probe(String console) {
        return console.lines().map(LinuxClient::untimed).filter(l -> PROBE.matcher(l).find())
                .collect(Collectors.toList());
    }

    private static Path sparse(Path file) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(BANK);
        }
        return file;
    }

    private static String md5(Path file, long offset, int length) throws Exception {
        byte[] bytes = new byte[length];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(offset);
            f.readFully(bytes);
        }
        return md5(bytes);
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }

    /** Runs {@code virt ARGS...} in a child JVM: its exit code and its output. */
    private static List<String> virt(String... args) throws Exception {
        List<String> command = new ArrayList<>(Emulator.VIRT.launcher());
        command.addAll(List.of(args));
        return run(command);
    }

    /** Runs {@code command} to its end (at most a minute): its exit code and its output (stdout and stderr). */
    private static List<String> run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), command + " still runs");
        return List.of(Integer.toString(p.exitValue()), out);
    }
}
