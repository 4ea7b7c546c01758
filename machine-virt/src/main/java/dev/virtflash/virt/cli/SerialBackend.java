package dev.virtflash.virt.cli;

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
 * arrives (the terminal stays in its normal, line-buffered mode: there is no raw mode and no Ctrl-A escape).
 * Closing stops the copying and closes a {@code file:} output.
 */
public final class SerialBackend implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SerialBackend.class);

    private final ConsoleSink sink;
    private final ConsoleSource source;
    private final OutputStream ownedOutput;
    private final Thread pump;
    private volatile boolean closed;

    private SerialBackend(ConsoleSink sink, ConsoleSource source, OutputStream ownedOutput, Thread pump) {
        this.sink = sink;
        this.source = source;
        this.ownedOutput = ownedOutput;
        this.pump = pump;
    }

    /**
     * Opens the back-end {@code spec} names.
     *
     * @param stdout standard output (for {@code stdio})
     * @param stdin  standard input (for {@code stdio})
     * @throws IOException if a {@code file:} cannot be created, with a message naming it
     */
    public static SerialBackend open(SerialSpec spec, PrintStream stdout, InputStream stdin) throws IOException {
        Objects.requireNonNull(spec, "spec");
        switch (spec.kind()) {
            case STDIO: {
                QueueConsoleSource queue = new QueueConsoleSource();
                SerialBackend[] self = new SerialBackend[1];
                Thread t = new Thread(() -> copy(stdin, queue, self), "virt-stdin");
                t.setDaemon(true);
                self[0] = new SerialBackend(new OutputStreamConsoleSink(stdout), queue, null, t);
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
                return new SerialBackend(new OutputStreamConsoleSink(out), ConsoleSource.none(), out, null);
            }
            default:
                return new SerialBackend(b -> {
                }, ConsoleSource.none(), null, null);
        }
    }

    private static void copy(InputStream in, QueueConsoleSource queue, SerialBackend[] self) {
        byte[] buf = new byte[256];
        try {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                if (self[0] != null && self[0].closed) {
                    return;
                }
                queue.offer(buf, 0, n);
            }
        } catch (IOException e) {
            LOG.debug("console input ended: {}", e.toString());
        }
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
        if (pump != null) {
            pump.interrupt(); // a blocked read on stdin does not end here; the thread is a daemon and exits on EOF
        }
        if (ownedOutput != null) {
            ownedOutput.close();
        }
    }
}
