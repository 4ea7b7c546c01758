package dev.virtflash.guesttests.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM running a main of module app on this test's class path, its stdout and stderr going to files
 * (so whatever it wrote before dying is kept by the kernel, whatever the parent was doing). Started lean: client
 * compiler only, serial GC, small heap (the board's default 4 MiB translation buffer).
 */
final class ChildJvm implements AutoCloseable {

    private static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-Xmx128m", "-XX:-UsePerfData");

    /**
     * For a child that measures its own memory: {@code ./virt}'s JVM options, and the heap's pages touched at start
     * ({@code AlwaysPreTouch}): the heap that {@code -Xms8m} commits stays committed whatever runs, so which of its
     * pages a run happens to touch first is the JVM's business, not what the boards leave behind (it moved an RSS
     * figure by 4 to 10 % from run to run).
     */
    static final List<String> MEASURING_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xss4m", "-XX:TieredStopAtLevel=1",
            "-Xms8m", "-XX:+AlwaysPreTouch");

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final long startNanos = System.nanoTime();

    private ChildJvm(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts {@code mainClass} with {@code args}; its output goes to {@code NAME.out} and {@code NAME.err}. */
    static ChildJvm start(String mainClass, List<String> args, Path dir, String name) throws IOException {
        return start(JVM_OPTIONS, Map.of(), mainClass, args, dir, name);
    }

    /** As {@link #start(String, List, Path, String)}, with these JVM options and extra environment variables. */
    static ChildJvm start(List<String> jvmOptions, Map<String, String> env, String mainClass, List<String> args,
                          Path dir, String name) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        return new ChildJvm(p, out, err);
    }

    /** Waits (polling) until the output has a complete line; false on timeout or if the process ended first. */
    boolean awaitFirstLine(long millis) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (output().indexOf('\n') >= 0) {
                return true;
            }
            if (!process.isAlive()) {
                return output().indexOf('\n') >= 0;
            }
            Thread.sleep(2);
        }
        return false;
    }

    /** Milliseconds since the process was started. */
    long millisSinceStart() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** SIGKILL ({@link Process#destroyForcibly()}), then waits for the process to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Waits up to {@code seconds} for the process to end by itself; returns its exit code, or -1 (then killed). */
    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            kill();
            return -1;
        }
        return process.exitValue();
    }

    /** Everything it wrote to stdout so far, as text. */
    String output() throws IOException {
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    /** The complete lines it wrote to stdout (a partial last line is left out). */
    List<String> lines() throws IOException {
        String out = output();
        int end = out.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(out.substring(0, end).split("\n", -1));
    }

    String stderr() throws IOException {
        return Files.readString(stderr);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
