package dev.virtflash.virt.cpu;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Who runs the CPU, and how a run is asked to end from outside the guest. Owns the lock, the thread running the CPU,
 * the closed flag and the pending external stop (a {@link UnicornCpu#requestStop() request} or the time limit of
 * {@link UnicornCpu#run(Duration)}, with its watchdog thread); wakes the CPU thread (a precise stop and an unpark)
 * for requests, the time limit and news for the devices; and checks that address-space events and lifecycle calls
 * come from a thread allowed to make them. Safe from any thread.
 */
final class RunControl {

    /** Why a run is asked to end from outside the guest. */
    enum ExternalStop { TIMEOUT, REQUEST }

    private final PreciseStopper stopper;
    private final Object lock = new Object();
    private Thread runner;
    /** The running thread, for unparking it without the lock. */
    private volatile Thread running;
    private boolean closed;
    private final AtomicReference<ExternalStop> externalStop = new AtomicReference<>();

    RunControl(PreciseStopper stopper) {
        this.stopper = stopper;
    }

    /** Makes this thread the one running the CPU; throws if the CPU is closed or runs on another thread. */
    void begin() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("run on a closed CPU");
            }
            if (runner != null) {
                throw new IllegalStateException("CPU already running on thread '" + runner.getName() + "'");
            }
            runner = Thread.currentThread();
            running = runner;
            externalStop.set(null);
        }
    }

    /** Ends the run {@link #begin()} started, and lets a {@link #close()} waiting for it go on. */
    void end() {
        synchronized (lock) {
            runner = null;
            running = null;
            lock.notifyAll();
        }
    }

    /** Starts the thread that asks the run of this thread to stop once {@code limit} has passed. */
    Thread startWatchdog(Duration limit) {
        Thread cpuThread = Thread.currentThread();
        long deadline = System.nanoTime() + limit.toNanos();
        Thread t = new Thread(() -> {
            try {
                long left;
                while ((left = deadline - System.nanoTime()) > 0) {
                    Thread.sleep(Math.max(1, left / 1_000_000), 0);
                }
            } catch (InterruptedException e) {
                return;
            }
            synchronized (lock) {
                if (!closed && runner == cpuThread) {
                    externalStop.compareAndSet(null, ExternalStop.TIMEOUT);
                    stopper.request();
                    LockSupport.unpark(cpuThread);
                }
            }
        }, "virtflash-cpu-time-limit");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The external stop asked for since the last call, or null; forgets it. */
    ExternalStop takeExternalStop() {
        return externalStop.getAndSet(null);
    }

    /** Whether an external stop is asked for. */
    boolean externalStopPending() {
        return externalStop.get() != null;
    }

    /** On the CPU thread, when it cannot wait any more (its thread was interrupted): end the run as if stopped. */
    void stopFromCpuThread() {
        externalStop.compareAndSet(null, ExternalStop.REQUEST);
    }

    /** Asks a running CPU to stop at the next translation-block boundary; nothing if it is not running. */
    void requestStop() {
        synchronized (lock) {
            if (!closed && runner != null) {
                externalStop.compareAndSet(null, ExternalStop.REQUEST);
                stopper.request();
                LockSupport.unpark(runner);
            }
        }
    }

    /** A precise stop and an unpark for the running CPU, if any (it then looks at its devices again). */
    void wake() {
        Thread t = running;
        if (t != null) {
            stopper.request();
            LockSupport.unpark(t);
        }
    }

    /** The thread running the CPU, or null (without the lock). */
    Thread running() {
        return running;
    }

    /** Whether the CPU is running on this thread; throws if it is closed or runs on another one. */
    boolean checkEventThread(String event) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(event + " on a closed CPU");
            }
            if (runner != null && runner != Thread.currentThread()) {
                throw new IllegalStateException(event + " from thread '" + Thread.currentThread().getName()
                        + "' while the CPU runs on '" + runner.getName() + "'");
            }
            return runner != null;
        }
    }

    /** Throws unless the CPU is open and not running: {@code closedMessage} or {@code runningMessage}. */
    void requireIdle(String closedMessage, String runningMessage) {
        synchronized (lock) {
            if (closed || runner != null) {
                throw new IllegalStateException(closed ? closedMessage : runningMessage);
            }
        }
    }

    /**
     * Marks the CPU closed, first asking a run on another thread to stop and waiting for it to return. Returns false
     * if it was closed already.
     */
    boolean close() {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            if (runner == Thread.currentThread()) {
                throw new IllegalStateException("close() from inside a run");
            }
            while (runner != null) {
                externalStop.compareAndSet(null, ExternalStop.REQUEST);
                stopper.request();
                LockSupport.unpark(runner);
                try {
                    lock.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the CPU to stop", e);
                }
            }
            closed = true;
        }
        return true;
    }
}
