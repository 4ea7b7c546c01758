package dev.virtflash.hw.block;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Runs {@code qemu-img}/{@code qemu-io} (Debian's QEMU 7.2, the oracle) and captures what they print. */
public final class ExternalTool {

    private ExternalTool() {
    }

    /** What a command did. */
    public record Result(List<String> command, int exitCode, String out, String err) {
    }

    /** Runs {@code command} in {@code dir} (or the current folder if {@code null}). */
    public static Result exec(Path dir, String... command) {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
            byte[] out = process.getInputStream().readAllBytes();
            int code = process.waitFor();
            return new Result(List.of(command), code, new String(out, StandardCharsets.UTF_8),
                    new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }

    /** Runs {@code command}, which must succeed, and returns its standard output. */
    public static String run(Path dir, String... command) {
        Result result = exec(dir, command);
        assertEquals(0, result.exitCode(), () -> String.join(" ", command) + " failed: " + result.err());
        return result.out();
    }

    /** {@code qemu-img ARGS} in {@code dir}, which must succeed. */
    public static String qemuImg(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("qemu-img"));
        command.addAll(List.of(args));
        return run(dir, command.toArray(String[]::new));
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
