package dev.virtflash.virt.cpu;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One thread per CPU that runs an action when a host-time deadline ({@link System#nanoTime()} clock) passes: the CPU
 * arms it with the time its next timer or device event is due, and the action asks the running CPU for a precise
 * stop so that the event is looked at. Re-arming replaces the deadline; {@link #NEVER} disarms it. The thread starts
 * with the first deadline and ends at {@link #close()}.
 *
 * <p>Not emulated: anything that needs better than the host scheduler's wake-up latency (typically 50-100 us).
 */
final class DeadlineAlarm implements AutoCloseable {

    /** No deadline. */
    static final long NEVER = Long.MAX_VALUE;

    private final String name;
    private final Runnable action;
    private final AtomicLong deadline = new AtomicLong(NEVER);
    private volatile boolean closed;
    private Thread thread;

    DeadlineAlarm(String name, Runnable action) {
        this.name = name;
        this.action = action;
    }

    /** Runs the action once when {@code nanos} has passed (unless re-armed before). Cheap when unchanged. */
    void arm(long nanos) {
        long old = deadline.getAndSet(nanos);
        if (old == nanos) {
            return;
        }
        if (nanos == NEVER) {
            return; // the thread finds out when it wakes
        }
        Thread t = thread;
        if (t == null) {
            t = start();
        }
        if (nanos < old) {
            LockSupport.unpark(t);
        }
    }

    /** The armed deadline, or {@link #NEVER}. */
    long deadline() {
        return deadline.get();
    }

    private synchronized Thread start() {
        if (thread == null && !closed) {
            Thread t = new Thread(this::loop, name);
            t.setDaemon(true);
            thread = t;
            t.start();
        }
        return thread;
    }

    private void loop() {
        while (!closed) {
            long d = deadline.get();
            if (d == NEVER) {
                LockSupport.park(this);
                continue;
            }
            long left = d - System.nanoTime();
            if (left > 0) {
                LockSupport.parkNanos(this, left);
                continue;
            }
            // Fire once per deadline: unless it was re-armed meanwhile, disarm.
            if (deadline.compareAndSet(d, NEVER)) {
                action.run();
            }
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = thread;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(); // it ends at once: closed is set and it was unparked
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
