package dev.virtflash.guesttests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Drains a stream on its own thread and keeps a bounded copy: the first {@code headLimit} bytes and the last
 * {@code tailLimit} bytes, with a marker saying how much was dropped between them. A console flood costs bounded
 * memory and still shows how it started and where it ended.
 */
final class ConsoleCapture implements AutoCloseable {

    private final InputStream in;
    private final byte[] head;
    private final byte[] tail;
    private final Thread thread;
    private final Object lock = new Object();
    private int headLength;
    private long tailWritten;
    private IOException failure;

    ConsoleCapture(InputStream in, String name, int headLimit, int tailLimit) {
        this.in = in;
        this.head = new byte[headLimit];
        this.tail = new byte[tailLimit];
        this.thread = new Thread(this::drain, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void drain() {
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (lock) {
                    append(buf, n);
                }
            }
        } catch (IOException e) {
            synchronized (lock) {
                failure = e;
            }
        }
    }

    private void append(byte[] buf, int n) {
        int i = 0;
        if (headLength < head.length) {
            int k = Math.min(n, head.length - headLength);
            System.arraycopy(buf, 0, head, headLength, k);
            headLength += k;
            i = k;
        }
        for (; i < n; i++) {
            tail[(int) (tailWritten++ % tail.length)] = buf[i];
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
        synchronized (lock) {
            StringBuilder b = new StringBuilder(new String(head, 0, headLength, StandardCharsets.UTF_8));
            if (tailWritten > 0) {
                long dropped = Math.max(0, tailWritten - tail.length);
                int kept = (int) Math.min(tailWritten, tail.length);
                byte[] t = new byte[kept];
                for (int i = 0; i < kept; i++) {
                    t[i] = tail[(int) ((tailWritten - kept + i) % tail.length)];
                }
                if (dropped > 0) {
                    b.append("\n[... ").append(dropped).append(" bytes dropped ...]\n");
                }
                b.append(new String(t, StandardCharsets.UTF_8));
            }
            return b.toString();
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
