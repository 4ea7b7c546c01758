package dev.virtflash.virt.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.virt.devices.ConsoleSink;
import dev.virtflash.virt.devices.ConsoleSource;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ConsoleDriver's wait-and-type contract, and what ProcessFootprint counts. */
class ConsoleDriverTest {

    @TempDir
    Path dir;

    private static void emit(ConsoleSink sink, String s) {
        s.chars().forEach(sink::put);
    }

    @Test
    void awaitReturnsTheTextUpToTheNeedleAndForgetsIt() throws Exception {
        ConsoleDriver d = new ConsoleDriver();
        emit(d.sink(), "boot...\n=> echo\n=> ");
        assertEquals("boot...\n=> ", d.await("=> ", Duration.ofSeconds(1)));
        assertEquals("echo\n=> ", d.await("=> ", Duration.ofSeconds(1)));
        assertEquals(19, d.received());
        TimeoutException e = assertThrows(TimeoutException.class, () -> d.await("=> ", Duration.ofMillis(20)));
        assertTrue(e.getMessage().startsWith("no '=> ' on the console within 20 ms"), e.getMessage());
    }

    @Test
    void awaitSeesTextThatArrivesFromAnotherThread() throws Exception {
        ConsoleDriver d = new ConsoleDriver();
        Thread cpu = new Thread(() -> emit(d.sink(), "Hit any key to stop autoboot: 2"));
        cpu.start();
        assertEquals("Hit any key", d.await("Hit any key", Duration.ofSeconds(10)));
        cpu.join();
    }

    @Test
    void typedTextReachesTheSourceInOrder() {
        ConsoleDriver d = new ConsoleDriver();
        ConsoleSource in = d.source();
        assertEquals(ConsoleSource.NO_INPUT, in.poll());
        d.type("ok\r");
        assertEquals('o', in.poll());
        assertEquals('k', in.poll());
        assertEquals('\r', in.poll());
        assertEquals(ConsoleSource.NO_INPUT, in.poll());
    }

    @Test
    void footprintCountsAnOpenFile() throws IOException {
        Path f = Files.createFile(dir.resolve("f"));
        ProcessFootprint before = ProcessFootprint.sample();
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ProcessFootprint open = ProcessFootprint.sample();
            assertTrue(ch.isOpen());
            assertEquals(before.openFds() + 1, open.openFds());
            assertTrue(open.growthSince(before) > 0);
        }
        ProcessFootprint after = ProcessFootprint.sample();
        assertTrue(after.rssBytes() > 0 && after.mappings() > 0 && after.threads() > 0, after.describe());
        assertEquals(0.0, before.growthSince(before));
    }
}
