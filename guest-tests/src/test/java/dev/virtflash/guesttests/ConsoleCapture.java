package dev.virtflash.guesttests;

import java.io.IOException;
import java.io.InputStream;

/**
 * Drains a stream on its own thread into a {@link BoundedConsole} (head and tail kept, the middle of a flood
 * dropped with a marker).
 */
final class ConsoleCapture implements AutoCloseable {

    private final InputStream in;
    private final BoundedConsole kept;
    private final Thread thread;
    private final Object lock = new Object();
    private IOException failure;

    ConsoleCapture(InputStream in, String name, int headLimit, int tailLimit) {
        this.in = in;
        this.kept = new BoundedConsole(headLimit, tailLimit);
        this.thread = new Thread(this::drain, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void drain() {
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                kept.append(buf, n);
            }
        } catch (IOException e) {
            synchronized (lock) {
                failure = e;
            }
        }
    }

    /** Waits until the stream has ended (the process has exited), at most {@code millis}. */
    void awaitEnd(long millis) throws InterruptedException {
        thread.join(millis);
    }

    /** The error that ended reading early, if any (the text keeps what was read before it). */
    IOException failure() {
        synchronized (lock) {
            return failure;
        }
    }

    /** What was captured so far. */
    String text() {
        return kept.text();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
