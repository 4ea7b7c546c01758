package dev.virtflash.app.cli;

import dev.virtflash.virt.devices.ConsoleSink;
import dev.virtflash.virt.devices.ConsoleSource;
import dev.virtflash.virt.devices.OutputStreamConsoleSink;
import dev.virtflash.virt.devices.QueueConsoleSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host side of the console that {@code -serial} names: a {@link ConsoleSink} for the UART's output and a
 * {@link ConsoleSource} for its input. For {@code stdio}, a daemon thread copies standard input into a queue as it
 * arrives. When standard input is a terminal, it is put into raw mode (see {@link Terminal}) as QEMU's
 * {@code -nographic} does: every key reaches the guest as typed (Enter as CR, Ctrl-C as 0x03), the guest does the
 * echo, and QEMU's escape applies: <b>Ctrl-A x</b> quits, Ctrl-A Ctrl-A sends one Ctrl-A. From a pipe or a file the
 * bytes pass unchanged. Closing (or {@link #releaseTerminal()}) restores the terminal; closing also stops the
 * copying and closes a {@code file:} output.
 */
public final class SerialBackend implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SerialBackend.class);

    /** QEMU's mux escape character, Ctrl-A. */
    public static final int ESCAPE = 0x01;
    /** After {@link #ESCAPE}: quit. */
    public static final int QUIT = 'x';

    private final ConsoleSink sink;
    private final ConsoleSource source;
    private final OutputStream ownedOutput;
    private final Thread pump;
    private final Terminal terminal;
    private volatile boolean closed;

    private SerialBackend(ConsoleSink sink, ConsoleSource source, OutputStream ownedOutput, Thread pump,
                          Terminal terminal) {
        this.sink = sink;
        this.source = source;
        this.ownedOutput = ownedOutput;
        this.pump = pump;
        this.terminal = terminal;
    }

    /**
     * Opens the back-end {@code spec} names.
     *
     * @param stdout standard output (for {@code stdio})
     * @param stdin  standard input (for {@code stdio})
     * @throws IOException if a {@code file:} cannot be created, with a message naming it
     */
    public static SerialBackend open(SerialSpec spec, PrintStream stdout, InputStream stdin) throws IOException {
        return open(spec, stdout, stdin, Terminal.none(), () -> { });
    }

    /**
     * Opens the back-end {@code spec} names; for {@code stdio}, puts {@code terminal} into raw mode if it is one.
     *
     * @param terminal the terminal on {@code stdin} ({@link Terminal#none()} for a pipe)
     * @param onQuit   called (on the input thread) when the user types Ctrl-A x on a raw terminal
     */
    public static SerialBackend open(SerialSpec spec, PrintStream stdout, InputStream stdin, Terminal terminal,
                                     Runnable onQuit) throws IOException {
        Objects.requireNonNull(spec, "spec");
        switch (spec.kind()) {
            case STDIO: {
                QueueConsoleSource queue = new QueueConsoleSource();
                SerialBackend[] self = new SerialBackend[1];
                boolean raw = terminal.enterRaw();
                Thread t = new Thread(() -> copy(stdin, queue, self, raw, onQuit), "virt-stdin");
                t.setDaemon(true);
                self[0] = new SerialBackend(new OutputStreamConsoleSink(stdout), queue, null, t,
                        raw ? terminal : Terminal.none());
                t.start();
                return self[0];
            }
            case FILE: {
                OutputStream out;
                try {
                    out = Files.newOutputStream(spec.file());
                } catch (IOException e) {
                    throw new IOException("-serial file:" + spec.file() + ": cannot create the file (" + e + ")", e);
                }
                return new SerialBackend(new OutputStreamConsoleSink(out), ConsoleSource.none(), out, null,
                        Terminal.none());
            }
            default:
                return new SerialBackend(b -> {
                }, ConsoleSource.none(), null, null, Terminal.none());
        }
    }

    private static void copy(InputStream in, QueueConsoleSource queue, SerialBackend[] self, boolean raw,
                             Runnable onQuit) {
        byte[] buf = new byte[256];
        boolean escaped = false;
        try {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                if (self[0] != null && self[0].closed) {
                    return;
                }
                if (!raw) {
                    queue.offer(buf, 0, n);
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    int b = buf[i] & 0xFF;
                    if (escaped) {
                        escaped = false;
                        if (b == QUIT) {
                            LOG.debug("Ctrl-A x: quit");
                            onQuit.run();
                            return;
                        }
                        if (b != ESCAPE) {
                            queue.offer(new byte[] {ESCAPE}, 0, 1);
                        }
                        queue.offer(buf, i, 1);
                    } else if (b == ESCAPE) {
                        escaped = true;
                    } else {
                        queue.offer(buf, i, 1);
                    }
                }
            }
        } catch (IOException e) {
            LOG.debug("console input ended: {}", e.toString());
        }
    }

    /** Restores the terminal (before the CLI prints its own messages); idempotent. */
    public void releaseTerminal() {
        terminal.restore();
    }

    /** Where the UART's output goes. */
    public ConsoleSink sink() {
        return sink;
    }

    /** Where the UART's input comes from. */
    public ConsoleSource source() {
        return source;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        releaseTerminal();
        if (pump != null) {
            pump.interrupt(); // a blocked read on stdin does not end here; the thread is a daemon and exits on EOF
        }
        if (ownedOutput != null) {
            ownedOutput.close();
        }
    }
}
