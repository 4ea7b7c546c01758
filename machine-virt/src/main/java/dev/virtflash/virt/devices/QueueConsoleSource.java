package dev.virtflash.virt.devices;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A {@link ConsoleSource} fed from any thread: a thread reading stdin, or a test. Unbounded; the UART takes bytes
 * only as its receive FIFO has room, the rest wait here.
 */
public final class QueueConsoleSource implements ConsoleSource {

    private final ConcurrentLinkedQueue<Byte> queue = new ConcurrentLinkedQueue<>();
    private volatile Runnable listener;

    /** Queues {@code len} bytes of {@code b} from {@code off}. */
    public void offer(byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
            queue.add(b[off + i]);
        }
        Runnable l = listener;
        if (l != null && len > 0) {
            l.run();
        }
    }

    /** Queues the US-ASCII bytes of {@code s}. */
    public void offer(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        offer(b, 0, b.length);
    }

    /** Bytes still waiting. */
    public int pending() {
        return queue.size();
    }

    @Override
    public void setInputListener(Runnable listener) {
        this.listener = listener;
    }

    @Override
    public int poll() {
        Byte b = queue.poll();
        return b == null ? NO_INPUT : b & 0xFF;
    }
}
