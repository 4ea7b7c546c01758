package dev.virtflash.app.bench;

import dev.virtflash.hw.pflash.PflashCfi01;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How a benchmark flash image is stored on disk. Every kind holds the same guest-visible contents: the given bytes at
 * offset 0, zeros up to 64 MiB.
 */
public enum ImageKind {
    /** A raw file with a hole wherever the contents are zero. */
    RAW_SPARSE("raw-sparse", "raw"),
    /** A raw file with every block written, zeros included: only its bytes say they are zero. */
    RAW_FULL("raw-full", "raw"),
    /** A qcow2 image made by {@code qemu-img convert} from the sparse raw file. */
    QCOW2("qcow2", "qcow2");

    /** Size of a virt flash bank. */
    public static final long BANK_SIZE = PflashCfi01.VIRT_BANK_SIZE;

    private final String label;
    private final String format;

    ImageKind(String label, String format) {
        this.label = label;
        this.format = format;
    }

    /** The name used on the command line and in the table, e.g. {@code raw-sparse}. */
    public String label() {
        return label;
    }

    /** The {@code -drive format=} value. */
    public String format() {
        return format;
    }

    /** The kind named {@code label}. */
    public static ImageKind of(String label) {
        for (ImageKind k : values()) {
            if (k.label.equals(label)) {
                return k;
            }
        }
        throw new IllegalArgumentException("image kind '" + label + "' is unknown, expected one of "
                + List.of(RAW_SPARSE.label, RAW_FULL.label, QCOW2.label));
    }

    /**
     * Writes a 64 MiB image of this kind holding {@code head} at offset 0 (zeros after it) and returns its path,
     * {@code file} plus the format's extension.
     */
    public Path create(Path file, byte[] head) throws IOException {
        Path raw = file.resolveSibling(file.getFileName() + (this == QCOW2 ? ".tmp.img" : ".img"));
        try (FileChannel channel = FileChannel.open(raw, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            if (this == RAW_FULL) {
                ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
                for (long at = 0; at < BANK_SIZE; at += zeros.capacity()) {
                    zeros.clear();
                    while (zeros.hasRemaining()) {
                        channel.write(zeros, at + zeros.position());
                    }
                }
            }
            ByteBuffer data = ByteBuffer.wrap(head);
            while (data.hasRemaining()) {
                channel.write(data, data.position());
            }
        }
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(BANK_SIZE); // the rest is a hole (sparse) or already written (full)
        }
        if (this != QCOW2) {
            return raw;
        }
        Path qcow2 = file.resolveSibling(file.getFileName() + ".qcow2");
        run(List.of("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString()));
        Files.delete(raw);
        return qcow2;
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes()).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    @Override
    public String toString() {
        return label.toLowerCase(Locale.ROOT);
    }
}
