package dev.virtflash.app.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command as a process with stdin from {@code /dev/null} and its output in files, timing it from just
 * before the launch to its exit, and optionally sampling its memory with a {@link ProcessProbe} meanwhile.
 */
final class TimedProcess {

    /**
     * One finished run.
     *
     * @param exitCode the process's exit code
     * @param millis   wall-clock time from launch to exit
     * @param stdout   what it printed on stdout
     * @param stderr   what it printed on stderr
     * @param sample   what the probe saw, or {@code null} without one
     */
    record Result(int exitCode, double millis, String stdout, String stderr, ProcessProbe.Sample sample) {
    }

    private TimedProcess() {
    }

    /**
     * Runs {@code command}.
     *
     * @param scratch     folder for the output files
     * @param sample      whether to sample memory
     * @param mappingSize for the probe: the size of the mappings to add up, 0 for none
     * @param timeoutSecs the process is killed after this long (the result then says so in stderr)
     */
    static Result run(List<String> command, Path scratch, boolean sample, long mappingSize, long timeoutSecs)
            throws IOException {
        Path out = Files.createTempFile(scratch, "out-", ".txt");
        Path err = Files.createTempFile(scratch, "err-", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(new File("/dev/null"))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            long t0 = System.nanoTime();
            Process p = pb.start();
            ProcessProbe probe = sample ? new ProcessProbe(p.pid(), mappingSize, 2) : null;
            boolean done;
            try {
                done = p.waitFor(timeoutSecs, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done = false;
            }
            long t1 = System.nanoTime();
            ProcessProbe.Sample seen = probe == null ? null : probe.result();
            if (!done) {
                p.destroyForcibly();
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String stderr = Files.readString(err, StandardCharsets.UTF_8)
                    + (done ? "" : "\n(killed after " + timeoutSecs + " s)");
            return new Result(done ? p.exitValue() : -1, (t1 - t0) / 1e6, Files.readString(out, StandardCharsets.UTF_8),
                    stderr, seen);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
