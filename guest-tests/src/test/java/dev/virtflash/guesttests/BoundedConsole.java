package dev.virtflash.guesttests;

import java.nio.charset.StandardCharsets;

/**
 * A bounded copy of a console: the first {@code headLimit} bytes and the last {@code tailLimit} bytes, with a marker
 * saying how much was dropped between them. A console flood costs bounded memory and still shows how it started and
 * where it ended. Thread-safe: one thread appends while another may read {@link #text()}.
 */
final class BoundedConsole {

    private final byte[] head;
    private final byte[] tail;
    private int headLength;
    private long tailWritten;

    BoundedConsole(int headLimit, int tailLimit) {
        if (headLimit < 0 || tailLimit < 1) {
            throw new IllegalArgumentException("head limit " + headLimit + ", tail limit " + tailLimit
                    + ": expected head >= 0 and tail >= 1");
        }
        this.head = new byte[headLimit];
        this.tail = new byte[tailLimit];
    }

    /** Appends one byte (0-255). */
    synchronized void put(int b) {
        if (headLength < head.length) {
            head[headLength++] = (byte) b;
        } else {
            tail[(int) (tailWritten++ % tail.length)] = (byte) b;
        }
    }

    /** Appends {@code n} bytes of {@code buf}. */
    synchronized void append(byte[] buf, int n) {
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

    /** Every byte ever appended, kept or not. */
    synchronized long total() {
        return headLength + tailWritten;
    }

    /** What is kept: the head, the drop marker if bytes were dropped, and the tail. */
    synchronized String text() {
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
