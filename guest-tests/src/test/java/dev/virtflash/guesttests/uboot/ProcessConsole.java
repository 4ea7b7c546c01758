package dev.virtflash.guesttests.uboot;

import dev.virtflash.testkit.ConsoleLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * An emulator process (Debian's QEMU, or our {@code virt} CLI) driven through its standard input and output, the way
 * a person at a terminal drives it: output (stdout and stderr merged) goes into a bounded {@link ConsoleLog}, typed
 * text goes to stdin. A wait that times out kills the process and fails with the console tail. {@link #close()}
 * kills it.
 */
public final class ProcessConsole implements Console, AutoCloseable {

    private static final int TAIL = 2048;

    private final String name;
    private final Process process;
    private final OutputStream stdin;
    private final ConsoleLog log = new ConsoleLog();
    private final Thread pump;
    private final Duration timeout;

    public ProcessConsole(String name, List<String> command, Duration timeout) throws IOException {
        this.name = name;
        this.timeout = timeout;
        this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
        this.stdin = process.getOutputStream();
        InputStream out = process.getInputStream();
        this.pump = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                for (int n = out.read(buf); n >= 0; n = out.read(buf)) {
                    for (int i = 0; i < n; i++) {
                        log.put(buf[i] & 0xFF);
                    }
                }
            } catch (IOException e) {
                // the process ended or was killed: the log keeps what came before
            }
        }, name + "-stdout");
        pump.setDaemon(true);
        pump.start();
    }

    @Override
    public String await(String text) {
        String[] found = new String[1];
        try {
            Awaitility.await(name + " console text \"" + text + "\"").atMost(timeout).pollInSameThread()
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                    .until(() -> (found[0] = log.consume(text)) != null || !pump.isAlive());
        } catch (ConditionTimeoutException e) {
            close();
            throw new AssertionError(name + ": no \"" + text + "\" within " + timeout.toMillis() + " ms\n---\n"
                    + log.tail(TAIL).replace("\r", "") + "\n---");
        }
        if (found[0] == null) {
            found[0] = log.consume(text);
        }
        if (found[0] == null) {
            throw new AssertionError(name + ": the process ended (exit " + exitValue() + ") before printing \""
                    + text + "\"\n---\n" + log.tail(TAIL).replace("\r", "") + "\n---");
        }
        return found[0];
    }

    @Override
    public void type(String text) {
        try {
            stdin.write(text.getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
        } catch (IOException e) {
            throw new AssertionError(name + ": cannot type (the process ended?): " + e, e);
        }
    }

    /** Everything the log holds. */
    public String console() {
        return log.text();
    }

    /** Waits up to {@code limit} for the process to end by itself; its exit code, or -1 if it still runs. */
    public int waitFor(Duration limit) throws InterruptedException {
        if (process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            pump.join(5_000);
            return process.exitValue();
        }
        return -1;
    }

    private String exitValue() {
        return process.isAlive() ? "none yet" : Integer.toString(process.exitValue());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.toHandle().destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
                pump.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
