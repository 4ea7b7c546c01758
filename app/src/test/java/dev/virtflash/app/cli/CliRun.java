package dev.virtflash.app.cli;

import dev.virtflash.app.Virt;
import dev.virtflash.app.img.ImgCommand;
import dev.virtflash.firmware.PayloadCatalog;
import dev.virtflash.hw.block.SparseImage;
import dev.virtflash.hw.pflash.PflashCfi01;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: runs the {@code virt} command for real - in this JVM through {@link Main#run} with the real
 * {@link MachineRunner} and the firmware module's payloads, or as a separate {@code java} process - and keeps what it
 * printed. New payload images go into the test's folder.
 */
record CliRun(int exitCode, String out, String err) {

    static final long BANK = PflashCfi01.VIRT_BANK_SIZE;

    /** Runs {@code args} in this JVM; payload image folders are made in {@code workDir}. */
    static CliRun inProcess(Path workDir, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PayloadCatalog payloads = PayloadCatalog.firmware();
        Main main = new Main(payloads, new MachineRunner(payloads, new ByteArrayInputStream(new byte[0]), workDir),
                Map.of("img", ImgCommand::run), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        int rc = main.run(List.of(args));
        return new CliRun(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Runs {@code args} as {@code java -cp CLASSPATH dev.virtflash.app.cli.Main ...} with {@code java.io.tmpdir} set
     * to {@code tmp} (where the payload image folders go), stdin from {@code /dev/null}.
     */
    static CliRun process(Path tmp, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(List.of("-XX:+UseSerialGC", "-Xss4m", "-XX:TieredStopAtLevel=1", "-Xms8m",
                "-XX:-UsePerfData", // as ./virt
                "-Djava.io.tmpdir=" + tmp, "-cp",
                System.getProperty("java.class.path"), Virt.class.getName()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "stdout-", ".txt");
        Path err = Files.createTempFile(tmp, "stderr-", ".txt");
        Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/null")).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("virt did not end within 120 s: " + cmd);
        }
        CliRun r = new CliRun(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** stderr's lines. */
    List<String> errLines() {
        return err.lines().toList();
    }

    /** A sparse 64 MiB raw image holding {@code head} at offset 0. */
    static Path image(Path file, byte[] head) throws IOException {
        return SparseImage.raw(file, BANK, head);
    }

    /** Payload {@code name}'s bytes. */
    static byte[] payload(String name) throws IOException {
        return PayloadCatalog.firmware().load(name).orElseThrow();
    }

    /** A file's SHA-256 and modification time, to show it was not touched. */
    record Fingerprint(String sha256, FileTime mtime, long size) {
        static Fingerprint of(Path file) throws IOException {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(Files.readAllBytes(file));
                return new Fingerprint(HexFormat.of().formatHex(md.digest()), Files.getLastModifiedTime(file),
                        Files.size(file));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
