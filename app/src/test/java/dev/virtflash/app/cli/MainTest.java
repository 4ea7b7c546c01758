package dev.virtflash.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.virt.VirtDeviceTree;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<MachineConfig> launched = new ArrayList<>();
    private final List<List<String>> imgCalls = new ArrayList<>();

    private int run(String... args) {
        Main main = new Main(CommandLineParserTest.TEST_PAYLOADS, (config, o, e) -> {
            launched.add(config);
            return 42;
        }, Map.of("img", (a, o, e) -> {
            imgCalls.add(a);
            o.print("img ran");
            return 3;
        }), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return main.run(Arrays.asList(args));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void runHandsTheConfigToTheLauncherAndReturnsItsExitCode() {
        assertEquals(42, run("-m", "256M"));
        assertEquals(1, launched.size());
        assertEquals(256L << 20, launched.get(0).ramSize());
        assertEquals("", err());
    }

    @Test
    void mistakesAreOneLineWithoutStackTrace() {
        assertEquals(1, run("-drive", "if=pflash,bogus=1,file=x"));
        String e = err();
        assertTrue(e.startsWith("virt: -drive if=pflash,bogus=1,file=x: unknown key 'bogus'"), e);
        assertEquals(1, e.split("\n").length, e);
        assertFalse(e.contains("at dev.virtflash"), e);
        assertTrue(launched.isEmpty());
    }

    @Test
    void malformedCommandLineExitsWithTwo() {
        assertEquals(2, run("-frob"));
        assertEquals("virt: unknown option -frob; see virt --help for the options we have\n", err());
    }

    @Test
    void launcherFailuresBecomeOneLine() {
        Main main = new Main(CommandLineParserTest.TEST_PAYLOADS, (config, o, e) -> {
            throw new java.io.IOException("flash1.img: locked by another process");
        }, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, main.run(List.of()));
        assertEquals("virt: flash1.img: locked by another process\n", err());
    }

    @Test
    void helpAndVersion() {
        assertEquals(0, run("--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String option : List.of("-M", "-cpu", "-m SIZE", "-bios", "-drive if=pflash", "-serial", "-nographic",
                "-display none", "-semihosting", "--payload", "--rss-report", "--timeout", "img", "bench")) {
            assertTrue(help.contains(option), option);
        }
        out.reset();
        assertEquals(0, run("--version"));
        assertEquals(Main.VERSION + "\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void subcommandsAreDelegated() {
        assertEquals(3, run("img", "info", "x.img"));
        assertEquals(List.of(List.of("info", "x.img")), imgCalls);
        assertEquals(1, run("bench"));
        assertEquals("virt: subcommand 'bench' is not available in this build\n", err());
    }

    @Test
    void dumpDtbWritesOurTreeAndExitsLikeQemu() throws Exception {
        Path dtb = dir.resolve("virt.dtb");
        assertEquals(0, run("-M", "virt,dumpdtb=" + dtb, "-m", "512M"));
        assertTrue(launched.isEmpty());
        byte[] blob = Files.readAllBytes(dtb);
        assertEquals(VirtDeviceTree.BLOB_SIZE, blob.length);
        assertEquals(0xD00DFEED, ByteBuffer.wrap(blob).getInt(0));
        assertEquals("virt: info: dtb dumped to " + dtb + ". Exiting.\n", err());
    }
}
