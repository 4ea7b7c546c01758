package dev.virtflash.guesttests;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.BlockStatus;
import dev.virtflash.hw.block.SparseImage;
import dev.virtflash.hw.block.image.Images;
import dev.virtflash.hw.pflash.PflashCfi01;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Flash bank images for test runs: sparse raw files, qcow2 through qemu-img, pattern words. */
public final class FlashImages {

    /** Every virt flash bank is exactly 64 MiB. */
    public static final long BANK_SIZE = PflashCfi01.VIRT_BANK_SIZE;

    private FlashImages() {
    }

    /** A sparse all-zero raw image of the bank size (an existing file is replaced). */
    public static Path blankRaw(Path file) throws IOException {
        return SparseImage.raw(file, BANK_SIZE);
    }

    /** A raw flash0 image: {@code payload} at offset 0, zero (sparse) up to the bank size. */
    public static Path withPayload(Path file, byte[] payload) throws IOException {
        if (payload.length > BANK_SIZE) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes does not fit a "
                    + BANK_SIZE + "-byte bank");
        }
        return SparseImage.raw(file, BANK_SIZE, payload);
    }

    /** An empty qcow2 image of the bank size, made with {@code qemu-img create}. */
    public static Path blankQcow2(Path file) throws IOException, InterruptedException {
        Files.deleteIfExists(file);
        qemuImg(List.of("create", "-q", "-f", "qcow2", file.toString(), Long.toString(BANK_SIZE)));
        return file;
    }

    /** The guest-visible contents of a qcow2 image as a raw file, made with {@code qemu-img convert}. */
    public static Path qcow2ToRaw(Path qcow2, Path raw) throws IOException, InterruptedException {
        Files.deleteIfExists(raw);
        qemuImg(List.of("convert", "-q", "-f", "qcow2", "-O", "raw", qcow2.toString(), raw.toString()));
        return raw;
    }

    /** Writes {@code words} little-endian from {@code offset} into a raw image. */
    public static void writeWords(Path raw, long offset, int[] words) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(words.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(words);
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.WRITE)) {
            ch.write(b, offset);
        }
    }

    /** Reads {@code count} little-endian words from {@code offset} of a raw image. */
    public static int[] readWords(Path raw, long offset, int count) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.READ)) {
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    throw new IOException(raw + ": ends before offset " + (offset + b.position()));
                }
            }
        }
        b.flip();
        int[] words = new int[count];
        b.asIntBuffer().get(words);
        return words;
    }

    /** Reads {@code count} bytes from {@code offset} of a raw image. */
    public static byte[] readBytes(Path raw, long offset, int count) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(count);
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.READ)) {
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    throw new IOException(raw + ": ends before offset " + (offset + b.position()));
                }
            }
        }
        return b.array();
    }

    /** Word {@code i} of the payloads' test pattern (firmware runtime/cfi.c pattern_word). */
    public static int patternWord(int seed, int i) {
        return seed ^ (i * 0x9E3779B1);
    }

    /** {@code count} pattern words. */
    public static int[] pattern(int seed, int count) {
        int[] w = new int[count];
        for (int i = 0; i < count; i++) {
            w[i] = patternWord(seed, i);
        }
        return w;
    }

    /**
     * The first byte offset at which two raw images of the same size differ, or -1 if their contents are equal. Runs
     * that both files report as zero (holes) are skipped unread, so comparing two sparse banks is cheap.
     */
    public static long firstDifference(Path a, Path b) throws IOException {
        try (BlockBackend x = Images.open(a, "raw", true); BlockBackend y = Images.open(b, "raw", true)) {
            if (x.size() != y.size()) {
                throw new IOException(a + " has " + x.size() + " bytes but " + b + " has " + y.size()
                        + ": expected images of the same size");
            }
            ByteBuffer bx = ByteBuffer.allocate(1 << 20);
            ByteBuffer by = ByteBuffer.allocate(1 << 20);
            long offset = 0;
            while (offset < x.size()) {
                BlockStatus sx = x.status(offset, bx.capacity());
                BlockStatus sy = y.status(offset, bx.capacity());
                long n = Math.min(sx.end(), sy.end()) - offset;
                if (sx.kind() != BlockStatus.Kind.ZERO || sy.kind() != BlockStatus.Kind.ZERO) {
                    bx.clear().limit((int) n);
                    by.clear().limit((int) n);
                    x.read(offset, bx);
                    y.read(offset, by);
                    int at = bx.flip().mismatch(by.flip());
                    if (at >= 0) {
                        return offset + at;
                    }
                }
                offset += n;
            }
            return -1;
        }
    }

    /** SHA-256 of a file, hex. */
    public static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                while (ch.read(buf) >= 0) {
                    buf.flip();
                    md.update(buf);
                    buf.clear();
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static void qemuImg(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("qemu-img");
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": did not finish in 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out.strip());
        }
    }
}
