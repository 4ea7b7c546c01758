package dev.virtflash.virt.reliability;

import dev.virtflash.virt.devices.ConsoleSink;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ConsoleSink} that hands each complete line to the operating system before the guest's next instruction
 * runs: once a guest's line has been written, a SIGKILL cannot lose it. Cheaper than flushing every byte; a partial
 * line is written only by {@link #flush()}.
 */
final class LineConsoleSink implements ConsoleSink {

    private static final Logger LOG = LoggerFactory.getLogger(LineConsoleSink.class);

    private final OutputStream out;
    private final byte[] line = new byte[4096];
    private int length;
    private boolean failed;

    LineConsoleSink(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    @Override
    public void put(int b) {
        line[length++] = (byte) b;
        if (b == '\n' || length == line.length) {
            flush();
        }
    }

    /** Writes what is buffered (the unbuffered stream passes it straight to the descriptor). */
    void flush() {
        if (length == 0) {
            return;
        }
        int n = length;
        length = 0;
        if (failed) {
            return;
        }
        try {
            out.write(line, 0, n);
            out.flush();
        } catch (IOException e) {
            failed = true;
            LOG.warn("console output failed, further output is dropped: {}", e.toString());
        }
    }
}
