package dev.virtflash.testkit;

import dev.virtflash.virt.devices.ConsoleSink;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded record of a console, read like {@code expect} reads a terminal: {@link #consume(String)} finds text after
 * the <em>mark</em> (the end of the previous match) and moves the mark past it, so waiting twice for a prompt finds
 * two prompts. Only the last {@link #capacity()} bytes are kept: a guest that floods the console costs bounded memory,
 * and {@link #tail(int)} still shows where it ended. A text that {@link #consume} did not find yet is watched as the
 * bytes arrive, so it is found even if a flood pushes it out of the log before the next look.
 *
 * <p>The <em>echo</em> stream, if any, gets every byte and is flushed at every line end: given a buffered stream it
 * passes whole lines on, so a launcher whose output must survive a SIGKILL (a line written is a line its reader has)
 * wraps its descriptor in a {@link java.io.BufferedOutputStream} and calls {@link #flushEcho()} when the guest is
 * done, for a last line without its end. An echo that fails is reported once (WARN) and dropped.
 *
 * <p>Bytes are read as ISO-8859-1 (one char per byte), so positions in the text are byte positions; firmware consoles
 * are ASCII. Thread-safe: the CPU thread {@link #put}s, a test thread reads.
 */
public final class ConsoleLog implements ConsoleSink {

    /** The default number of bytes kept: 256 KiB, some thousand lines. */
    public static final int DEFAULT_CAPACITY = 256 << 10;

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleLog.class);

    private final byte[] ring;
    private final OutputStream echo;
    private long written;
    private long mark;
    private volatile boolean echoFailed;

    // The text consume() is waiting for, matched as bytes arrive (Knuth-Morris-Pratt).
    private byte[] watch;
    private int[] watchFailure;
    private int watchMatched;
    private long watchHit = -1;

    /**
     * @param capacity how many of the latest bytes are kept (at least 1)
     * @param echo     a stream that also gets every byte, flushed at each line end (e.g. {@code System.out} while
     *                 debugging), or {@code null}
     */
    public ConsoleLog(int capacity, OutputStream echo) {
        if (capacity < 1) {
            throw new IllegalArgumentException("console capacity " + capacity + ", expected at least 1 byte");
        }
        this.ring = new byte[capacity];
        this.echo = echo;
    }

    /** A log keeping {@link #DEFAULT_CAPACITY} bytes, with no echo. */
    public ConsoleLog() {
        this(DEFAULT_CAPACITY, null);
    }

    @Override
    public void put(int b) {
        synchronized (this) {
            ring[(int) (written % ring.length)] = (byte) b;
            written++;
            if (watch != null && watchHit < 0) {
                step((byte) b);
            }
        }
        if (echo != null && !echoFailed) {
            try {
                echo.write(b);
                if (b == '\n') {
                    echo.flush();
                }
            } catch (IOException e) {
                echoFailed(e);
            }
        }
    }

    /**
     * Flushes the echo stream: passes on what it still buffers (a last line without its end). Call it from the thread
     * that ran the guest, or once the guest no longer writes. Nothing happens without an echo or after it failed.
     */
    public void flushEcho() {
        if (echo != null && !echoFailed) {
            try {
                echo.flush();
            } catch (IOException e) {
                echoFailed(e);
            }
        }
    }

    private void echoFailed(IOException e) {
        echoFailed = true;
        LOG.warn("console echo failed, further echo is dropped: {}", e.toString());
    }

    /** Bytes kept at most. */
    public int capacity() {
        return ring.length;
    }

    /** Every byte ever written, kept or not. */
    public synchronized long written() {
        return written;
    }

    /** Bytes that fell out of the log (the oldest ones). */
    public synchronized long dropped() {
        return Math.max(0, written - ring.length);
    }

    /**
     * Looks for {@code text} after the mark. If it is there, moves the mark to its end and returns everything from the
     * old mark (or the oldest kept byte) through the match; otherwise returns {@code null} and moves nothing.
     */
    public synchronized String consume(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty text to wait for");
        }
        byte[] pattern = text.getBytes(StandardCharsets.ISO_8859_1);
        if (watch != null && Arrays.equals(watch, pattern) && watchHit > mark) {
            long hit = watchHit;
            long from = Math.max(mark, oldest());
            watch = null;
            mark = hit;
            return from <= hit - pattern.length ? slice(from, hit) : text; // the bytes before it were pushed out
        }
        long from = Math.max(mark, oldest());
        String window = slice(from, written);
        int at = window.indexOf(text);
        if (at >= 0) {
            watch = null;
            int end = at + text.length();
            mark = from + end;
            return window.substring(0, end);
        }
        if (watch == null || !Arrays.equals(watch, pattern) || watchHit >= 0) {
            startWatch(pattern, window);
        }
        return null;
    }

    /** Watches for {@code pattern} from now on, primed with the end of {@code seen} (a match may span both). */
    private void startWatch(byte[] pattern, String seen) {
        watch = pattern;
        watchFailure = new int[pattern.length];
        for (int i = 1, k = 0; i < pattern.length; i++) {
            while (k > 0 && pattern[i] != pattern[k]) {
                k = watchFailure[k - 1];
            }
            if (pattern[i] == pattern[k]) {
                k++;
            }
            watchFailure[i] = k;
        }
        watchMatched = 0;
        watchHit = -1;
        // seen holds no whole match (the caller looked), so priming never records a hit
        for (int i = Math.max(0, seen.length() - (pattern.length - 1)); i < seen.length(); i++) {
            step((byte) seen.charAt(i));
        }
    }

    /** One byte through the watch automaton; the byte is the last one written. */
    private void step(byte b) {
        while (watchMatched > 0 && b != watch[watchMatched]) {
            watchMatched = watchFailure[watchMatched - 1];
        }
        if (b == watch[watchMatched]) {
            watchMatched++;
        }
        if (watchMatched == watch.length) {
            watchHit = written;
        }
    }

    /** Whether {@code text} is anywhere in the kept log (the mark does not matter and does not move). */
    public synchronized boolean contains(String text) {
        return slice(oldest(), written).contains(text);
    }

    /** Everything after the mark, and moves the mark to the end. */
    public synchronized String drain() {
        String s = slice(Math.max(mark, oldest()), written);
        mark = written;
        return s;
    }

    /** Everything kept. */
    public synchronized String text() {
        return slice(oldest(), written);
    }

    /** The last {@code maxBytes} bytes kept. */
    public synchronized String tail(int maxBytes) {
        return slice(Math.max(oldest(), written - maxBytes), written);
    }

    private long oldest() {
        return Math.max(0, written - ring.length);
    }

    private String slice(long from, long to) {
        int n = (int) (to - from);
        byte[] out = new byte[n];
        int start = (int) (from % ring.length);
        int first = Math.min(n, ring.length - start);
        System.arraycopy(ring, start, out, 0, first);
        System.arraycopy(ring, 0, out, first, n - first);
        return new String(out, StandardCharsets.ISO_8859_1);
    }
}
