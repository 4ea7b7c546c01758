package dev.virtflash.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.SparseImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input through the real command (issue 6, acceptance 6): each mistake is one line on stderr starting with
 * {@code virt: } and naming the thing, a non-zero exit, no stack trace, nothing printed on stdout, and no image touched
 * (same bytes, same modification time) - and no folder of new images left behind.
 */
class BadInputTest {

    @TempDir
    Path tmp;

    private Path flash0;
    private Path flash1;
    private Path work;
    private CliRun.Fingerprint before0;
    private CliRun.Fingerprint before1;

    @BeforeEach
    void images() throws Exception {
        flash0 = CliRun.image(tmp.resolve("flash0.img"), CliRun.payload("default"));
        flash1 = CliRun.image(tmp.resolve("flash1.img"), new byte[0]);
        // an old modification time, so that any write would show even within the file system's time granularity
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(flash0, old);
        Files.setLastModifiedTime(flash1, old);
        before0 = CliRun.Fingerprint.of(flash0);
        before1 = CliRun.Fingerprint.of(flash1);
        work = Files.createDirectory(tmp.resolve("work"));
    }

    /** Runs the command and checks everything every mistake must satisfy; returns the message. */
    private String mistake(String... args) throws Exception {
        CliRun r = CliRun.inProcess(work, args);
        assertNotEquals(0, r.exitCode(), "exit code");
        List<String> lines = r.errLines();
        assertEquals(1, lines.size(), "one line on stderr:\n" + r.err());
        String line = lines.get(0);
        assertTrue(line.startsWith("virt: "), line);
        assertFalse(line.contains("Exception") || line.contains("\tat ") || line.contains("internal error"), line);
        assertEquals("", r.out(), "nothing on stdout");
        assertEquals(before0, CliRun.Fingerprint.of(flash0), "flash0.img untouched");
        assertEquals(before1, CliRun.Fingerprint.of(flash1), "flash1.img untouched");
        try (Stream<Path> s = Files.list(work)) {
            assertEquals(List.of(), s.toList(), "no folder of new payload images left behind");
        }
        return line;
    }

    private static String drive(int unit, Path file) {
        return "if=pflash,unit=" + unit + ",format=raw,file=" + file;
    }

    @Test
    void missingImage() throws Exception {
        Path missing = tmp.resolve("missing.img");
        String m = mistake("-drive", drive(0, flash0), "-drive", drive(1, missing));
        assertTrue(m.contains(missing.toString()) && m.contains("no such file"), m);
        assertFalse(Files.exists(missing), "a missing image is not created");
    }

    @Test
    void imageOfTheWrongSizeNamesTheFileAndBothSizesAsQemuDoes() throws Exception {
        Path small = SparseImage.raw(tmp.resolve("small.img"), 1 << 20);
        Files.setLastModifiedTime(small, FileTime.fromMillis(1_000_000_000_000L));
        CliRun.Fingerprint smallBefore = CliRun.Fingerprint.of(small);
        // QEMU 7.2: "device requires 67108864 bytes, block backend provides 1048576 bytes"
        String m = mistake("-drive", drive(0, flash0), "-drive", drive(1, small));
        assertTrue(m.startsWith("virt: " + small + ": "), m);
        assertTrue(m.contains("requires 67108864 bytes") && m.contains("provides 1048576 bytes"), m);
        assertEquals(smallBefore, CliRun.Fingerprint.of(small), "small.img untouched");
    }

    @Test
    void wrongSizeNextToAPayloadRemovesTheNewImages() throws Exception {
        Path big = SparseImage.raw(tmp.resolve("big.img"), 65L << 20);
        String m = mistake("--payload", "default", "-drive", drive(1, big));
        assertTrue(m.contains(big.toString()) && m.contains("provides 68157440 bytes"), m);
    }

    @Test
    void unknownDriveKey() throws Exception {
        String m = mistake("-drive", drive(0, flash0) + ",cache=none");
        assertTrue(m.contains("-drive") && m.contains("unknown key 'cache'"), m);
    }

    @Test
    void badSizeSuffix() throws Exception {
        String m = mistake("-m", "128Q", "-drive", drive(0, flash0));
        assertTrue(m.startsWith("virt: -m 128Q: bad size '128Q'"), m);
    }

    @Test
    void sameImageForBothBanksFailsOnTheWriteLock() throws Exception {
        String m = mistake("-drive", drive(0, flash0), "-drive", drive(1, flash0));
        assertTrue(m.contains(flash0.toString()) && m.contains("Failed to get \"write\" lock"), m);
    }

    @Test
    void unknownPayload() throws Exception {
        String m = mistake("--payload", "no-such-payload");
        assertTrue(m.startsWith("virt: --payload no-such-payload: no embedded payload 'no-such-payload'"), m);
        assertTrue(m.contains("default") && m.contains("hostile-writes"), "lists the payloads: " + m);
    }

    @Test
    void unknownOptionAsAProcess() throws Exception {
        CliRun r = CliRun.process(work, "-drive", drive(0, flash0), "-usb");
        assertEquals(2, r.exitCode());
        assertEquals(List.of("virt: unknown option -usb; see virt --help for the options we have"), r.errLines());
        assertEquals("", r.out());
        assertEquals(before0, CliRun.Fingerprint.of(flash0));
    }
}
