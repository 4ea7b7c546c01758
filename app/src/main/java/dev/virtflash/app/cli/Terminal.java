package dev.virtflash.app.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mode of the terminal on standard input, for {@code -serial stdio}. A guest console wants every key as it is
 * typed, not echoed by the terminal (the guest echoes), Ctrl-C included: QEMU's {@code -nographic} puts the terminal
 * into raw mode (output processing kept, so our own messages still start at the left margin) and restores it at
 * exit. {@link #stty()} does the same through {@code stty}, which works on the terminal it inherits as its standard
 * input, when both standard input and output are a terminal (as {@link System#console()} tells); otherwise (a pipe,
 * a file) nothing changes and no process is started.
 */
public interface Terminal {

    /** Puts the terminal into raw mode if standard input is one; returns whether it did. */
    boolean enterRaw();

    /** Restores the mode {@link #enterRaw()} found (idempotent; nothing if it changed nothing). */
    void restore();

    /** A terminal that is never changed (tests, pipes). */
    static Terminal none() {
        return new Terminal() {
            @Override
            public boolean enterRaw() {
                return false;
            }

            @Override
            public void restore() {
            }
        };
    }

    /** The process's own terminal, changed with {@code stty}; restored at close and by a JVM shutdown hook. */
    static Terminal stty() {
        return new Stty();
    }

    /** {@code stty -g} saves, {@code stty raw -echo opost} sets, {@code stty SAVED} restores. */
    final class Stty implements Terminal {
        private static final Logger LOG = LoggerFactory.getLogger(Stty.class);
        private String saved;
        private Thread hook;

        private Stty() {
        }

        @Override
        public synchronized boolean enterRaw() {
            if (saved != null) {
                return true;
            }
            if (System.console() == null) {
                return false; // standard input or output is not a terminal: no stty process to start
            }
            String mode = stty(List.of("-g"));
            if (mode == null || mode.isBlank()) {
                return false; // standard input is not a terminal
            }
            if (stty(List.of("raw", "-echo", "opost")) == null) {
                return false;
            }
            saved = mode.strip();
            hook = new Thread(this::restoreFromHook, "virt-terminal-restore");
            Runtime.getRuntime().addShutdownHook(hook);
            LOG.debug("terminal in raw mode (saved {})", saved);
            return true;
        }

        @Override
        public synchronized void restore() {
            if (saved == null) {
                return;
            }
            stty(List.of(saved));
            saved = null;
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs (or ran) anyway
            }
        }

        private synchronized void restoreFromHook() {
            if (saved != null) {
                stty(List.of(saved));
                saved = null;
            }
        }

        /** Runs stty on the inherited standard input; its output, or null if it failed. */
        private static String stty(List<String> args) {
            List<String> cmd = new java.util.ArrayList<>();
            cmd.add("stty");
            cmd.addAll(args);
            try {
                Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return null;
                }
                return p.exitValue() == 0 ? out : null;
            } catch (IOException e) {
                LOG.debug("stty {} failed: {}", args, e.toString());
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }
}
