package dev.virtflash.virt.reliability;

import dev.virtflash.virt.devices.ConsoleSink;
import dev.virtflash.virt.devices.ConsoleSource;
import dev.virtflash.virt.devices.QueueConsoleSource;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Drives a guest's serial console from another thread, the way a person at a terminal does: wait for some text, type
 * a line. Plug {@link #sink()} and {@link #source()} into the machine's console. Output already waited for is dropped,
 * so a driver that runs for thousands of boots holds only the text since the last match (at most
 * {@value #MAX_PENDING} characters).
 */
public final class ConsoleDriver {

    private static final int MAX_PENDING = 1 << 20;

    private final QueueConsoleSource input = new QueueConsoleSource();
    private final StringBuilder pending = new StringBuilder();
    private final Object lock = new Object();
    private long received;

    /** What the guest transmits comes here (called on the CPU thread). */
    public ConsoleSink sink() {
        return b -> {
            synchronized (lock) {
                if (pending.length() >= MAX_PENDING) {
                    pending.delete(0, pending.length() - MAX_PENDING / 2);
                }
                pending.append((char) b);
                received++;
                lock.notifyAll();
            }
        };
    }

    /** What the guest receives comes from here. */
    public ConsoleSource source() {
        return input;
    }

    /** Types {@code text} (US-ASCII; write {@code \n} for Enter... U-Boot and EDK2 take {@code \r} as well). */
    public void type(String text) {
        input.offer(text);
    }

    /**
     * Waits until the output since the last match contains {@code needle}; returns that output up to and including
     * the needle, and forgets it.
     *
     * @throws TimeoutException naming the needle and the last output, if it does not come within {@code timeout}
     */
    public String await(String needle, Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                int at = pending.indexOf(needle);
                if (at >= 0) {
                    String upTo = pending.substring(0, at + needle.length());
                    pending.delete(0, at + needle.length());
                    return upTo;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    String tail = pending.substring(Math.max(0, pending.length() - 400));
                    throw new TimeoutException("no '" + needle + "' on the console within " + timeout.toMillis()
                            + " ms; last output: " + tail.replace("\r", "").replace("\n", "\\n"));
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Characters received so far. */
    public long received() {
        synchronized (lock) {
            return received;
        }
    }
}
