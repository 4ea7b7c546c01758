package dev.virtflash.app.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An emulator process driven through pipes, as a person at its serial console would drive it: its output (stdout and
 * stderr merged) is collected by a thread of its own, {@link #await} waits until a text appears after what earlier
 * waits consumed, {@link #type} writes to its stdin. The launch time is taken just before the process starts, so
 * {@link #await} can tell how long after the launch a text appeared. {@link #close()} ends the process (forcibly if it
 * is still running) and waits for it.
 */
final class ConsoleProcess implements AutoCloseable {

    /** How much of the output's end an error message shows. */
    private static final int TAIL = 600;
    private static final long KILL_WAIT_SECS = 10;

    private final Process process;
    private final OutputStream stdin;
    private final Thread pump;
    private final long launchNanos;
    private final StringBuilder output = new StringBuilder();
    private int consumed;

    ConsoleProcess(List<String> command, Path dir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        this.launchNanos = System.nanoTime();
        this.process = pb.start();
        this.stdin = process.getOutputStream();
        InputStream out = process.getInputStream();
        this.pump = new Thread(() -> pump(out), "console-" + process.pid());
        pump.setDaemon(true);
        pump.start();
    }

    private void pump(InputStream out) {
        byte[] buf = new byte[8192];
        try {
            for (int n = out.read(buf); n >= 0; n = out.read(buf)) {
                // The consoles print ASCII and escape sequences; ISO-8859-1 keeps every byte as one char.
                String s = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                synchronized (this) {
                    output.append(s);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // the process ended or was killed: the output keeps what came before
        }
        synchronized (this) {
            notifyAll();
        }
    }

    long pid() {
        return process.pid();
    }

    /**
     * Waits until {@code text} appears in the output after the previous match and consumes the output up to its end.
     *
     * @return the time from the launch to the moment the text was seen, in milliseconds
     * @throws IOException if the process ended or {@code timeoutSecs} passed first (the message shows the output's end)
     */
    synchronized double await(String text, long timeoutSecs) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSecs);
        while (true) {
            int at = output.indexOf(text, consumed);
            if (at >= 0) {
                long seen = System.nanoTime();
                consumed = at + text.length();
                return (seen - launchNanos) / 1e6;
            }
            long left = deadline - System.nanoTime();
            if (!pump.isAlive() || left <= 0) {
                String why = pump.isAlive() ? "not within " + timeoutSecs + " s" : "the process ended first";
                throw new IOException("no \"" + printable(text) + "\" on the console (" + why + "); its end: "
                        + printable(tail()));
            }
            try {
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for \"" + printable(text) + "\"");
            }
        }
    }

    /** Sends {@code keys} to the process's stdin. */
    void type(String keys) throws IOException {
        stdin.write(keys.getBytes(StandardCharsets.ISO_8859_1));
        stdin.flush();
    }

    /** Waits up to {@code seconds} for the process to exit by itself; whether it did. */
    boolean waitForExit(long seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Everything the process printed so far. */
    synchronized String text() {
        return output.toString();
    }

    private synchronized String tail() {
        return output.substring(Math.max(0, output.length() - TAIL));
    }

    /** Control characters shown as {@code \xNN}, so an error message stays one line. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c >= 0x7F) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            process.waitFor(KILL_WAIT_SECS, TimeUnit.SECONDS);
            pump.join(TimeUnit.SECONDS.toMillis(KILL_WAIT_SECS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
