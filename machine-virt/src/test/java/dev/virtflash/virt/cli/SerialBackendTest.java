package dev.virtflash.virt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.virt.devices.ConsoleSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SerialBackendTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(30) // a guard against a hang if input never arrives, not a timing assertion
    void stdioWritesOutAndQueuesIn() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PipedOutputStream keyboard = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(keyboard);
        try (SerialBackend s = SerialBackend.open(SerialSpec.STDIO, new PrintStream(out, true), stdin)) {
            s.sink().put('o');
            s.sink().put('k');
            assertEquals("ok", out.toString(StandardCharsets.US_ASCII));
            keyboard.write("ls\n".getBytes(StandardCharsets.US_ASCII));
            keyboard.close(); // EOF: the copying thread has delivered everything once it ends
            StringBuilder got = new StringBuilder();
            while (got.length() < 3) {
                int b = s.source().poll();
                if (b == ConsoleSource.NO_INPUT) {
                    Thread.onSpinWait();
                } else {
                    got.append((char) b);
                }
            }
            assertEquals("ls\n", got.toString());
        }
    }

    @Test
    void fileOutputHasNoInput() throws Exception {
        Path f = dir.resolve("console.log");
        try (SerialBackend s = SerialBackend.open(new SerialSpec(SerialSpec.Kind.FILE, f), System.out,
                new ByteArrayInputStream(new byte[0]))) {
            s.sink().put('A');
            assertEquals(ConsoleSource.NO_INPUT, s.source().poll());
        }
        assertEquals("A", Files.readString(f));
    }

    @Test
    void nullDropsOutput() throws Exception {
        try (SerialBackend s = SerialBackend.open(new SerialSpec(SerialSpec.Kind.NULL, null), System.out,
                new ByteArrayInputStream(new byte[0]))) {
            s.sink().put('A');
            assertEquals(ConsoleSource.NO_INPUT, s.source().poll());
        }
    }

    @Test
    void unwritableFileIsOneLineNamingIt() {
        Path f = dir.resolve("missing-dir/console.log");
        IOException e = assertThrows(IOException.class,
                () -> SerialBackend.open(new SerialSpec(SerialSpec.Kind.FILE, f), System.out, System.in));
        assertTrue(e.getMessage().startsWith("-serial file:" + f), e.getMessage());
    }
}
