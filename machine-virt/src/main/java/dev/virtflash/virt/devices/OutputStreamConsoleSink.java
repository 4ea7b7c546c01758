package dev.virtflash.virt.devices;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ConsoleSink} writing to an {@link OutputStream} (the CLI passes stdout or a {@code -serial file:}
 * stream). Each byte is flushed at once, as QEMU's {@code qemu_chr_fe_write_all} does, so a prompt without a newline
 * shows up. The stream is not closed here: its owner closes it.
 */
public final class OutputStreamConsoleSink implements ConsoleSink {

    private static final Logger LOG = LoggerFactory.getLogger(OutputStreamConsoleSink.class);

    private final OutputStream out;
    private boolean failed;

    public OutputStreamConsoleSink(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    @Override
    public void put(int b) {
        if (failed) {
            return;
        }
        try {
            out.write(b);
            out.flush();
        } catch (IOException e) {
            failed = true;
            LOG.warn("console output failed, further output is dropped: {}", e.toString());
        }
    }
}
