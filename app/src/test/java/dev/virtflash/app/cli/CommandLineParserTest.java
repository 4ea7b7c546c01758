package dev.virtflash.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.firmware.PayloadCatalog;
import dev.virtflash.hw.block.SparseImage;
import dev.virtflash.hw.pflash.FlashSemantics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineParserTest {

    static final PayloadCatalog TEST_PAYLOADS = new PayloadCatalog(CommandLineParserTest.class.getClassLoader(),
            "dev/virtflash/app/cli/payloads");

    @TempDir
    Path dir;
    Path img0;
    Path img1;

    @BeforeEach
    void images() throws IOException {
        img0 = sparse("flash0.img", 64L << 20);
        img1 = sparse("flash1.img", 64L << 20);
    }

    private Path sparse(String name, long size) throws IOException {
        return SparseImage.raw(dir.resolve(name), size);
    }

    private static ParsedCommand parse(String... args) throws UsageException {
        return new CommandLineParser(TEST_PAYLOADS).parse(Arrays.asList(args));
    }

    private static MachineConfig config(String... args) throws UsageException {
        return assertInstanceOf(ParsedCommand.Run.class, parse(args)).config();
    }

    /** The one-line message of the expected mistake; checks the exit code and that it is one line. */
    private static String error(int exitCode, String... args) {
        UsageException e = assertThrows(UsageException.class, () -> parse(args));
        assertEquals(exitCode, e.exitCode(), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static void assertContains(String text, String... parts) {
        for (String p : parts) {
            assertTrue(text.contains(p), "expected '" + p + "' in: " + text);
        }
    }

    @Test
    void kernelBootAsQemu() throws Exception {
        Path kernel = sparse("Image", 4096);
        Path initrd = sparse("initrd", 4096);
        MachineConfig c = config("-M", "virt", "-cpu", "cortex-a57", "-smp", "1", "-no-reboot", "-kernel",
                kernel.toString(), "-initrd", initrd.toString(), "-append", "console=ttyAMA0 rdinit=/bin/sh",
                "-drive", "if=pflash,unit=1,format=raw,file=" + img1);
        assertEquals(new FirmwareSource.Kernel(kernel, initrd, "console=ttyAMA0 rdinit=/bin/sh"), c.firmware());
        assertTrue(c.noReboot());
        assertFalse(c.semihosting());
        assertEquals(RssReportMode.NONE, c.rssReport());
        assertContains(error(1, "-append", "x"), "-append x: only allowed with -kernel");
        assertContains(error(1, "-kernel", kernel.toString(), "-bios", kernel.toString()),
                "-kernel " + kernel + " together with -bios", "fw_cfg");
        assertContains(error(1, "-kernel", dir.resolve("none").toString()), "no such file, expected a kernel Image");
        // no fw_cfg: with a unit 0 drive the kernel still boots directly, bank 0 is only flash
        MachineConfig withBank0 = config("-kernel", kernel.toString(), "-drive", "if=pflash,unit=0,format=raw,file="
                + img0, "-drive", "if=pflash,unit=1,format=raw,file=" + img1);
        assertEquals(new FirmwareSource.Kernel(kernel, null, null), withBank0.firmware());
        assertEquals(List.of(new DriveSpec(0, img0, "raw", false), new DriveSpec(1, img1, "raw", false)),
                withBank0.drives());
        assertContains(error(1, "-smp", "2"), "-smp 2: 2 CPUs, expected 1");
    }

    @Test
    void noArgumentsRunsTheDefaultPayload() throws Exception {
        MachineConfig c = config();
        assertEquals(MachineConfig.defaults(), c);
        assertEquals(new FirmwareSource.Payload("default"), c.firmware());
        assertEquals(128L << 20, c.ramSize());
        assertTrue(c.semihosting());
        assertEquals(RssReportMode.TABLE, c.rssReport());
        assertEquals(SerialSpec.STDIO, c.serial());
    }

    @Test
    void aTypicalQemuCommandLine() throws Exception {
        MachineConfig c = config("-M", "virt", "-cpu", "cortex-a57", "-m", "256M", "-nographic", "-semihosting",
                "-drive", "if=pflash,unit=0,format=raw,file=" + img0,
                "-drive", "if=pflash,unit=1,format=qcow2,file=" + img1 + ",readonly=on");
        assertEquals(256L << 20, c.ramSize());
        assertEquals(List.of(new DriveSpec(0, img0, "raw", false), new DriveSpec(1, img1, "qcow2", true)),
                c.drives());
        assertEquals(new FirmwareSource.PflashImage(new DriveSpec(0, img0, "raw", false)), c.firmware());
        assertTrue(c.semihosting());
        assertEquals(RssReportMode.NONE, c.rssReport(), "no report unless asked when booting the user's firmware");
        assertEquals(Optional.of(new DriveSpec(1, img1, "qcow2", true)), c.drive(1));
    }

    @Test
    void doubleDashQemuSpellingAndMachineAliases() throws Exception {
        MachineConfig c = config("--machine", "type=virt,secure=off,virtualization=no", "--m", "1G",
                "-display", "none");
        assertEquals(1L << 30, c.ramSize());
        assertFalse(c.semihosting() && !(c.firmware() instanceof FirmwareSource.Payload));
    }

    @Test
    void drivesWithoutUnitTakeTheFirstFreeOneAsQemu() throws Exception {
        MachineConfig c = config("-drive", "if=pflash,file=" + img0, "-drive", "if=pflash,file=" + img1);
        assertEquals(0, c.drives().get(0).unit());
        assertEquals(1, c.drives().get(1).unit());
        assertEquals(null, c.drives().get(0).format(), "no format= means: detect from the magic");
        MachineConfig idx = config("-drive", "if=pflash,index=1,file=" + img1);
        assertEquals(1, idx.drives().get(0).unit());
        assertEquals(new FirmwareSource.Payload("default"), idx.firmware(), "bank 1 only: payload in bank 0");
    }

    @Test
    void doubledCommaIsALiteralComma() throws Exception {
        Path odd = sparse("a,b.img", 64L << 20);
        MachineConfig c = config("-drive", "if=pflash,unit=1,file=" + odd.toString().replace(",", ",,"));
        assertEquals(odd, c.drives().get(0).file());
        assertEquals(List.of("a,b", "c", ""), OptionValues.splitOptions("a,,b,c,"));
    }

    @Test
    void sizesAsQemu() throws Exception {
        assertEquals(128L << 20, config("-m", "128").ramSize(), "bare number is MiB");
        assertEquals(2L << 30, config("-m", "2g").ramSize());
        assertEquals(1536L << 20, config("-m", "1.5G").ramSize());
        assertEquals(3L << 20, config("-m", "size=3M").ramSize());
        assertEquals((1L << 20) + 8192, config("-m", ((1 << 20) + 1) + "B").ramSize(), "rounded up to 8 KiB");
    }

    @Test
    void otherOptions() throws Exception {
        assertEquals(new FirmwareSource.Payload("hello"), config("--payload", "hello").firmware());
        assertEquals(new FirmwareSource.Payload("hello"), config("--payload=hello").firmware());
        assertEquals(RssReportMode.JSON, config("--rss-report=json").rssReport());
        assertEquals(RssReportMode.TABLE, config("--rss-report", "-drive", "if=pflash,file=" + img0).rssReport());
        assertEquals(RssReportMode.NONE, config("--rss-report=none").rssReport());
        assertEquals(Optional.of(Duration.ofMillis(2500)), config("--timeout", "2.5").timeout());
        assertEquals(Optional.of(Duration.ofSeconds(7)), config("--timeout=7").timeout());
        assertEquals(new SerialSpec(SerialSpec.Kind.FILE, dir.resolve("console.txt")),
                config("-serial", "file:" + dir.resolve("console.txt")).serial());
        assertEquals(SerialSpec.STDIO, config("-serial", "mon:stdio").serial());
        assertEquals(SerialSpec.Kind.NULL, config("-serial", "null").serial().kind());
        assertEquals(Optional.of(dir.resolve("x.dtb")), config("-M", "virt,dumpdtb=" + dir.resolve("x.dtb"))
                .dumpDtb());
        assertEquals(FlashSemantics.REAL_NOR, config().flashSemantics(), "real NOR by default");
        assertEquals(FlashSemantics.QEMU_7_2, config("-M", "virt,flash-semantics=qemu-7.2").flashSemantics());
        assertEquals(FlashSemantics.REAL_NOR, config("-M", "virt,flash-semantics=qemu-7.2", "-machine",
                "virt,flash-semantics=real-nor").flashSemantics(), "the last one wins");
        assertTrue(config().memMerge(), "RAM merged by default, as QEMU's mem-merge");
        assertFalse(config("-M", "virt,mem-merge=off").memMerge());
        assertTrue(config("-M", "virt,mem-merge=off,mem-merge=on").memMerge());
        assertFalse(config("-semihosting-config", "enable=off", "-drive", "if=pflash,file=" + img0).semihosting());
        assertTrue(config("-semihosting-config", "enable=on,target=native", "-drive", "if=pflash,file=" + img0)
                .semihosting());
    }

    @Test
    void biosIsFirmware() throws Exception {
        Path bios = dir.resolve("u-boot.bin");
        Files.write(bios, new byte[4096]);
        MachineConfig c = config("-bios", bios.toString(), "-drive", "if=pflash,unit=1,file=" + img1);
        assertEquals(new FirmwareSource.Bios(bios), c.firmware());
        assertFalse(c.semihosting());
    }

    @Test
    void helpVersionAndSubcommands() throws Exception {
        assertInstanceOf(ParsedCommand.Help.class, parse("--help"));
        assertInstanceOf(ParsedCommand.Help.class, parse("-h"));
        assertInstanceOf(ParsedCommand.Version.class, parse("--version"));
        assertInstanceOf(ParsedCommand.Version.class, parse("-version"));
        ParsedCommand.Subcommand img = assertInstanceOf(ParsedCommand.Subcommand.class,
                parse("img", "create", "-m", "x"));
        assertEquals("img", img.name());
        assertEquals(List.of("create", "-m", "x"), img.args());
        assertEquals("bench", assertInstanceOf(ParsedCommand.Subcommand.class, parse("bench")).name());
    }

    // ---- mistakes: one line, naming the option or file, what was found and what was expected ----

    @Test
    void unknownOption() {
        assertContains(error(2, "-netdev", "user"), "unknown option -netdev");
        assertContains(error(2, "--frobnicate"), "unknown option --frobnicate");
        assertContains(error(2, "disk.img"), "unexpected argument 'disk.img'");
    }

    @Test
    void missingValue() {
        assertContains(error(2, "-m"), "option -m needs a value", "-m 128M");
        assertContains(error(2, "--payload"), "--payload needs a value");
        assertContains(error(2, "--m=1G"), "--m=1G", "-m VALUE");
    }

    @Test
    void badSizeSuffix() {
        assertContains(error(1, "-m", "12X"), "-m 12X", "bad size '12X'", "B, K, M, G, T");
        assertContains(error(1, "-m", "lots"), "-m lots", "bad size");
        assertContains(error(1, "-m", "1.00001B"), "-m 1.00001B", "whole number of bytes");
        assertContains(error(1, "-m", "512K"), "-m 512K", "524288 bytes", "at least 1048576");
        assertContains(error(1, "-m", "256G"), "-m 256G", "at most 273804165120");
        assertContains(error(1, "-m", "128M,slots=2"), "unknown key 'slots'");
    }

    @Test
    void unknownDriveKey() {
        String e = error(1, "-drive", "if=pflash,unit=0,cache=none,file=" + img0);
        assertContains(e, "-drive if=pflash", "unknown key 'cache'", "expected one of if, unit, index, format, file,"
                + " readonly");
    }

    @Test
    void otherDriveMistakes() {
        assertContains(error(1, "-drive", "file=" + img0), "if= is missing", "if=pflash");
        assertContains(error(1, "-drive", "if=virtio,file=" + img0), "interface 'virtio'", "expected if=pflash");
        assertContains(error(1, "-drive", "if=pflash,unit=2,file=" + img0), "unit=2 does not exist", "0 or 1");
        assertContains(error(1, "-drive", "if=pflash,unit=x,file=" + img0), "unit=x is not a number");
        assertContains(error(1, "-drive", "if=pflash,unit=0,index=1,file=" + img0), "disagree");
        assertContains(error(1, "-drive", "if=pflash,format=vmdk,file=" + img0), "format 'vmdk'", "raw or qcow2");
        assertContains(error(1, "-drive", "if=pflash,readonly=maybe,file=" + img0), "readonly=maybe", "on or off");
        assertContains(error(1, "-drive", "if=pflash,unit=0"), "file= is missing");
        assertContains(error(1, "-drive", "if=pflash,file=" + img0 + ",file=" + img1), "'file' given twice");
        assertContains(error(1, "-drive", "if=pflash,unit=1,file=" + img0, "-drive", "if=pflash,unit=1,file=" + img1),
                "unit 1 is given twice");
        assertContains(error(1, "-drive", "if=pflash,file=" + img0, "-drive", "if=pflash,file=" + img1, "-drive",
                "if=pflash,file=" + img1), "both pflash units are taken");
        assertContains(error(1, "-drive", "if=pflash,,unit=0"), "is not supported");
    }

    @Test
    void missingImage() {
        Path missing = dir.resolve("nope.img");
        assertContains(error(1, "-drive", "if=pflash,unit=1,file=" + missing), "file=" + missing, "no such file");
        assertContains(error(1, "-drive", "if=pflash,unit=1,file=" + dir), "not a regular file");
    }

    @Test
    void dumpDtbNeedsNoPayload() throws Exception {
        PayloadCatalog empty = new PayloadCatalog(getClass().getClassLoader(), "no/payloads/here");
        MachineConfig c = assertInstanceOf(ParsedCommand.Run.class, new CommandLineParser(empty)
                .parse(List.of("-M", "virt,dumpdtb=x.dtb"))).config();
        assertEquals(Optional.of(Path.of("x.dtb")), c.dumpDtb());
        assertThrows(UsageException.class, () -> new CommandLineParser(empty).parse(List.of()));
    }

    @Test
    void unknownPayload() {
        assertContains(error(1, "--payload", "nosuch"), "--payload nosuch", "no embedded payload 'nosuch'",
                "[default, hello]");
    }

    @Test
    void biosTogetherWithPflashUnit0IsFatalAsQemu() throws IOException {
        Path bios = dir.resolve("fw.bin");
        Files.write(bios, new byte[16]);
        assertContains(error(1, "-bios", bios.toString(), "-drive", "if=pflash,unit=0,file=" + img0),
                "-bios " + bios, "unit=0", "cannot use both");
        assertContains(error(1, "-bios", bios.toString(), "--payload", "hello"), "--payload hello", "-bios");
        assertContains(error(1, "--payload", "hello", "-drive", "if=pflash,unit=0,file=" + img0),
                "--payload hello", "unit=0");
    }

    @Test
    void biosMistakes() throws IOException {
        assertContains(error(1, "-bios", dir.resolve("none.bin").toString()), "none.bin", "no such file");
        Path big = sparse("big.bin", (64L << 20) + 1);
        assertContains(error(1, "-bios", big.toString()), "big.bin", "67108865 bytes", "at most 67108864");
    }

    @Test
    void translationBufferAsQemusAccelTbSize() throws Exception {
        assertEquals(MachineConfig.DEFAULT_TB_SIZE_MIB, config().translationBufferMiB());
        assertEquals(2, config("-accel", "tcg,tb-size=2").translationBufferMiB());
        assertEquals(16, config("--accel", "tb-size=16,accel=tcg").translationBufferMiB());
        assertEquals(MachineConfig.DEFAULT_TB_SIZE_MIB, config("-accel", "tcg").translationBufferMiB());
        assertContains(error(1, "-accel", "kvm"), "-accel kvm", "unsupported accelerator 'kvm'", "expected tcg");
        assertContains(error(1, "-accel", "tcg,tb-size=0"), "-accel tcg,tb-size=0", "tb-size '0'", "1 to 1024");
        assertContains(error(1, "-accel", "tcg,tb-size=big"), "tb-size 'big'");
        assertContains(error(1, "-accel", "tcg,thread=multi"), "unknown accelerator property 'thread'");
        assertContains(error(1, "-accel", "tb-size=8"), "no accelerator, expected tcg");
    }

    @Test
    void machineCpuSerialDisplayMistakes() {
        assertContains(error(1, "-M", "raspi3b"), "-M raspi3b", "unsupported machine 'raspi3b'", "expected virt");
        assertContains(error(1, "-M", "virt,gic-version=3"), "unknown machine property 'gic-version'");
        assertContains(error(1, "-M", "virt,secure=on"), "secure=on is not supported", "secure=off");
        assertContains(error(1, "-M", "virt,flash-semantics=qemu"), "-M virt,flash-semantics=qemu",
                "flash-semantics 'qemu'", "expected real-nor or qemu-7.2");
        assertContains(error(1, "-M", "virt,mem-merge=maybe"), "mem-merge");
        assertContains(error(1, "-cpu", "max"), "-cpu max", "unsupported CPU 'max'", "cortex-a57");
        assertContains(error(1, "-serial", "pty"), "-serial pty", "'pty'", "stdio");
        assertContains(error(1, "-serial", "stdio", "-serial", "null"), "second -serial");
        assertContains(error(1, "-serial", "file:" + dir.resolve("no/such/dir/x")), "does not exist");
        assertContains(error(1, "-display", "gtk"), "-display gtk", "expected none");
        assertContains(error(1, "-semihosting-config", "enable=on,chardev=x"), "unknown key 'chardev'");
        assertContains(error(1, "-semihosting-config", "target=gdb"), "target=gdb");
    }

    @Test
    void ourOptionMistakes() {
        assertContains(error(1, "--timeout", "soon"), "--timeout soon", "number of seconds");
        assertContains(error(1, "--timeout", "0"), "--timeout 0");
        assertContains(error(1, "--timeout", "-3"), "--timeout -3");
        assertContains(error(1, "--rss-report=xml"), "--rss-report=xml", "table, json or none");
    }

    @Test
    void everyMistakeNamesWhatItFound() {
        // A sweep: every error message starts from the option or file the user wrote.
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"-m", "9Q"});
        cases.add(new String[] {"-cpu", "cortex-a53"});
        cases.add(new String[] {"-M", "sbsa-ref"});
        cases.add(new String[] {"--payload", "zzz"});
        for (String[] c : cases) {
            String msg = error(1, c);
            assertTrue(msg.startsWith(c[0]) && msg.contains(c[1]), msg);
        }
    }
}
