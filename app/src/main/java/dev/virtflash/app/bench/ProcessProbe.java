package dev.virtflash.app.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Samples a running process's memory from {@code /proc/PID} on a thread of its own until closed: the largest
 * {@code VmRSS} seen, the last {@code VmHWM} (the kernel's peak), and - if asked - the largest sum of {@code Rss} over
 * the banks of one size ({@link #banks}: QEMU's two 64 MiB flash banks are the only mappings of 67108864 bytes in its
 * {@code smaps}; ours are one mapping, or several between two guard pages). A process that has exited just stops the
 * sampling.
 */
final class ProcessProbe implements AutoCloseable {

    /**
     * What was seen.
     *
     * @param samples          how many samples were taken
     * @param maxVmRss         the largest {@code VmRSS}, bytes
     * @param lastVmRss        the {@code VmRSS} of the last sample of a live process, bytes
     * @param vmHwm            the last {@code VmHWM} (peak resident), bytes
     * @param maxMappingRss    the largest sum of {@code Rss} over the mappings of the asked size, bytes (-1 if none was
     *                         asked for)
     * @param mappingsFound    how many mappings of that size the last smaps sample had
     */
    record Sample(int samples, long maxVmRss, long lastVmRss, long vmHwm, long maxMappingRss, int mappingsFound) {
    }

    private static final int UTIME_FIELD = 14;
    private static final int STIME_FIELD = 15;
    private static final long MILLIS_PER_TICK = 10;

    private final Path proc;
    private final long mappingSize;
    private final long intervalMillis;
    private final Thread thread;
    private volatile boolean stop;
    private int samples;
    private long maxVmRss;
    private long lastVmRss;
    private long vmHwm;
    private long maxMappingRss = -1;
    private int mappingsFound;

    /**
     * Starts sampling.
     *
     * @param pid            the process
     * @param mappingSize    the size of the mappings whose {@code Rss} to add up, or 0 for none (reading
     *                       {@code smaps} costs the process a little)
     * @param intervalMillis time between samples
     */
    ProcessProbe(long pid, long mappingSize, long intervalMillis) {
        this(pid, mappingSize, intervalMillis, true);
    }

    private ProcessProbe(long pid, long mappingSize, long intervalMillis, boolean start) {
        this.proc = Path.of("/proc", Long.toString(pid));
        this.mappingSize = mappingSize;
        this.intervalMillis = intervalMillis;
        this.thread = start ? new Thread(this::loop, "probe-" + pid) : null;
        if (start) {
            this.thread.setDaemon(true);
            this.thread.start();
        }
    }

    /**
     * One sample taken now, on the calling thread (for a process waiting at a prompt).
     *
     * @return the sample; {@code samples() == 0} if the process is gone
     */
    static Sample snapshot(long pid, long mappingSize) {
        ProcessProbe probe = new ProcessProbe(pid, mappingSize, 0, false);
        probe.sampleOnce();
        return probe.result();
    }

    /** Samples at least once, then until stopped or the process is gone. */
    private void loop() {
        do {
            if (!sampleOnce()) {
                return;
            }
            try {
                Thread.sleep(intervalMillis);
            } catch (InterruptedException e) {
                return;
            }
        } while (!stop);
    }

    /** One sample; false once the process is gone (or a zombie, which has no memory left). */
    private boolean sampleOnce() {
        List<String> status;
        try {
            status = Files.readAllLines(proc.resolve("status"));
        } catch (IOException e) {
            return false;
        }
        long rss = field(status, "VmRSS:");
        long hwm = field(status, "VmHWM:");
        if (rss < 0) {
            return false;
        }
        long mapped = -1;
        int found = 0;
        if (mappingSize > 0) {
            List<String> smaps;
            try {
                smaps = Files.readAllLines(proc.resolve("smaps"));
            } catch (IOException e) {
                return false;
            }
            long[] banks = banks(smaps, mappingSize);
            mapped = banks[0];
            found = (int) banks[1];
        }
        synchronized (this) {
            samples++;
            maxVmRss = Math.max(maxVmRss, rss);
            lastVmRss = rss;
            vmHwm = Math.max(vmHwm, hwm);
            if (mapped >= 0 && mapped >= maxMappingRss) {
                maxMappingRss = mapped;
                mappingsFound = found;
            }
        }
        return true;
    }

    /** Stops sampling and returns what was seen. */
    Sample result() {
        close();
        synchronized (this) {
            return new Sample(samples, maxVmRss, lastVmRss, vmHwm, maxMappingRss, mappingsFound);
        }
    }

    /** Stops sampling (after the sample under way: /proc reads are not interrupted, a sample is never torn). */
    @Override
    public void close() {
        stop = true;
        if (thread == null) {
            return;
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The CPU time (user + system, all threads) a live process has used so far, in milliseconds, or -1 if it is gone.
     * Assumes the kernel's usual 100 clock ticks per second.
     */
    static long cpuMillis(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return -1;
        }
        // Fields after the command name (which is in parentheses and may hold spaces): state is field 3,
        // utime field 14 and stime field 15.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return (Long.parseLong(f[UTIME_FIELD - 3]) + Long.parseLong(f[STIME_FIELD - 3])) * MILLIS_PER_TICK;
    }

    /**
     * The banks of {@code size} bytes in an {@code smaps} text: {@code {sum of their Rss in bytes, how many}}. A bank
     * is a mapping of exactly that size (QEMU's, and ours when the bank is one mapping), or several address-contiguous
     * mappings that add up to it between two inaccessible ({@code ---p}) guard mappings: ours, when files are mapped
     * into a bank (a read-only raw image, a {@code -bios} file) and split it.
     */
    static long[] banks(List<String> smaps, long size) {
        long rss = 0;
        int found = 0;
        long groupStart = -1; // the start of the mappings after a guard, -1 when not after one
        long groupEnd = -1;
        long groupRss = 0;
        int groupCount = 0;
        int vmaRssTarget = 0; // the Rss of the current mapping goes to: 0 none, 1 a whole bank, 2 the group
        for (String line : smaps) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && isHeader(line, dash)) {
                long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                boolean guard = line.startsWith("---p", space + 1);
                if (guard) {
                    if (groupCount > 1 && groupEnd == start && groupEnd - groupStart == size) {
                        rss += groupRss;
                        found++;
                    }
                    groupStart = end;
                    groupEnd = end;
                    groupRss = 0;
                    groupCount = 0;
                    vmaRssTarget = 0;
                } else if (end - start == size) {
                    vmaRssTarget = 1;
                    found++;
                    groupStart = -1;
                } else if (groupStart >= 0 && start == groupEnd) {
                    groupEnd = end;
                    groupCount++;
                    vmaRssTarget = 2;
                } else {
                    groupStart = -1;
                    vmaRssTarget = 0;
                }
            } else if (line.startsWith("Rss:")) {
                if (vmaRssTarget == 1) {
                    rss += kib(line);
                } else if (vmaRssTarget == 2) {
                    groupRss += kib(line);
                }
            }
        }
        return new long[] {rss, found};
    }

    /** Whether an smaps line is a mapping's header ({@code start-end perms ...}), not a {@code Field: value} line. */
    private static boolean isHeader(String line, int dash) {
        for (int i = 0; i < dash; i++) {
            if (Character.digit(line.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** A {@code Name:   123 kB} field of {@code status} in bytes, or -1 if absent. */
    static long field(List<String> status, String name) {
        for (String line : status) {
            if (line.startsWith(name)) {
                return kib(line);
            }
        }
        return -1;
    }

    /** {@code Name:   123 kB} as bytes. */
    private static long kib(String line) {
        String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        return Long.parseLong(parts[0]) * 1024;
    }
}
