package dev.virtflash.hw.block.qcow2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs Debian's {@code qemu-img} and {@code qemu-io} (the oracle) in a folder. Every command line that made a fixture
 * is kept in {@link #log}, so a failing test shows how to rebuild its images by hand.
 */
final class Qemu {

    /** One finished command. */
    record Result(List<String> command, int exit, String out, String err) {
    }

    private final Path dir;
    private final List<String> log = new ArrayList<>();

    Qemu(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** The commands run so far, one per line, as a shell would take them (run in {@link #dir}). */
    String log() {
        return String.join("\n", log);
    }

    /** Runs a command and returns its result whatever the exit status. */
    Result exec(String... command) {
        List<String> cmd = Arrays.asList(command);
        log.add(String.join(" ", cmd));
        try {
            Path out = Files.createTempFile(dir, "out", ".txt");
            Path err = Files.createTempFile(dir, "err", ".txt");
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + cmd);
            }
            Result r = new Result(cmd, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs a command that must succeed; returns its standard output. */
    String run(String... command) {
        Result r = exec(command);
        if (r.exit() != 0) {
            throw new AssertionError("failed (exit " + r.exit() + "): " + String.join(" ", command) + "\n" + r.err()
                    + r.out() + "\ncommands so far:\n" + log());
        }
        return r.out();
    }

    /** The guest-visible contents, through {@code qemu-img convert -O raw}. */
    byte[] contents(Path image) throws IOException {
        Path raw = Files.createTempFile(dir, "contents", ".raw");
        run("qemu-img", "convert", "-O", "raw", image.toString(), raw.toString());
        byte[] bytes = Files.readAllBytes(raw);
        Files.delete(raw);
        return bytes;
    }

    /** The counts of {@code qemu-img check --output=json}: corruptions, leaks, check-errors, image-end-offset... */
    Check check(Path image) {
        Result r = exec("qemu-img", "check", "--output=json", image.toString());
        if (r.exit() != 0 && r.exit() != 2 && r.exit() != 3 && !(r.exit() == 1 && r.out().contains("check-errors"))) {
            throw new AssertionError("qemu-img check failed (exit " + r.exit() + "): " + r.err() + r.out());
        }
        return new Check(r.exit(), field(r.out(), "corruptions"), field(r.out(), "leaks"),
                field(r.out(), "check-errors"), field(r.out(), "image-end-offset"), field(r.out(), "total-clusters"),
                field(r.out(), "allocated-clusters"), field(r.out(), "fragmented-clusters"),
                field(r.out(), "compressed-clusters"), r.err());
    }

    /** What {@code qemu-img check} reported; absent fields are 0, as it omits zeros. */
    record Check(int exit, long corruptions, long leaks, long checkErrors, long imageEndOffset, long totalClusters,
            long allocatedClusters, long fragmentedClusters, long compressedClusters, String messages) {
    }

    private static long field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\": (\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
