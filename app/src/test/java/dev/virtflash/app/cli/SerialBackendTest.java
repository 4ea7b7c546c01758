package dev.virtflash.app.cli;

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

    /** A terminal that says it went raw, and counts restores. */
    private static final class FakeRawTerminal implements Terminal {
        int raw;
        int restored;

        @Override
        public boolean enterRaw() {
            raw++;
            return true;
        }

        @Override
        public void restore() {
            restored++;
        }
    }

    @Test
    @Timeout(30) // a guard against a hang if input never arrives, not a timing assertion
    void aRawTerminalPassesKeysAndQuitsOnCtrlAX() throws Exception {
        FakeRawTerminal terminal = new FakeRawTerminal();
        java.util.concurrent.CountDownLatch quit = new java.util.concurrent.CountDownLatch(1);
        // Ctrl-C and CR reach the guest; Ctrl-A Ctrl-A is one Ctrl-A; Ctrl-A b is both bytes; Ctrl-A x quits and
        // nothing after it is delivered.
        byte[] keys = {' ', 0x03, '\r', 0x01, 0x01, 0x01, 'b', 0x01, 'x', 'z'};
        try (SerialBackend s = SerialBackend.open(SerialSpec.STDIO, new PrintStream(new ByteArrayOutputStream()),
                new ByteArrayInputStream(keys), terminal, quit::countDown)) {
            assertEquals(1, terminal.raw);
            quit.await();
            StringBuilder got = new StringBuilder();
            for (int b = s.source().poll(); b != ConsoleSource.NO_INPUT; b = s.source().poll()) {
                got.append((char) b);
            }
            assertEquals(" \u0003\r\u0001\u0001b", got.toString());
            s.releaseTerminal();
            assertEquals(1, terminal.restored);
        }
        assertEquals(2, terminal.restored, "close restores too (restore is idempotent in real terminals)");
    }

    @Test
    void aPipeIsNotATerminalAndPassesCtrlAUnchanged() throws Exception {
        byte[] keys = {0x01, 'x', 'y'};
        PipedOutputStream keyboard = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(keyboard);
        keyboard.write(keys);
        keyboard.close();
        try (SerialBackend s = SerialBackend.open(SerialSpec.STDIO, new PrintStream(new ByteArrayOutputStream()),
                stdin, Terminal.none(), () -> {
                    throw new AssertionError("no quit from a pipe");
                })) {
            StringBuilder got = new StringBuilder();
            while (got.length() < 3) {
                int b = s.source().poll();
                if (b == ConsoleSource.NO_INPUT) {
                    Thread.onSpinWait();
                } else {
                    got.append((char) b);
                }
            }
            assertEquals("\u0001xy", got.toString());
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
