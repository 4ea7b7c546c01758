package dev.virtflash.testkit;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.image.Images;
import dev.virtflash.hw.pflash.PflashCfi01;
import dev.virtflash.memory.Zeros;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A template for flash bank images: format ({@code raw} or {@code qcow2}), size (a {@code virt} bank's 64 MiB by
 * default) and contents to put in (files or bytes at offsets). {@link #create(Path)} makes the image as
 * {@code virt img create} does (a raw image is one hole, a qcow2 image has no clusters) and writes only the 4 KiB
 * pages of the contents that are not all zero, so the image stays sparse. Immutable: every method returns a new
 * template.
 *
 * <pre>{@code
 * FlashImage.raw().from(Path.of("u-boot.bin")).create(dir.resolve("flash0.img"));
 * FlashImage.qcow2().create(dir.resolve("vars.qcow2"));
 * }</pre>
 */
public final class FlashImage {

    /** The size of a {@code virt} flash bank: 64 MiB, the only size the board accepts. */
    public static final long BANK_SIZE = PflashCfi01.VIRT_BANK_SIZE;

    private static final int PAGE = 4096;
    private static final int CHUNK = 1 << 20;

    private final String format;
    private final long size;
    private final List<Content> contents;

    private FlashImage(String format, long size, List<Content> contents) {
        this.format = format;
        this.size = size;
        this.contents = List.copyOf(contents);
    }

    /** A blank raw image of {@link #BANK_SIZE}. */
    public static FlashImage raw() {
        return new FlashImage("raw", BANK_SIZE, List.of());
    }

    /** A blank qcow2 image of {@link #BANK_SIZE}. */
    public static FlashImage qcow2() {
        return new FlashImage("qcow2", BANK_SIZE, List.of());
    }

    /** A blank image of {@code format} ({@code raw} or {@code qcow2}). */
    public static FlashImage of(String format) {
        String f = Objects.requireNonNull(format, "format").toLowerCase(Locale.ROOT);
        if (!Images.FORMATS.contains(f)) {
            throw new IllegalArgumentException("image format '" + format + "', expected one of " + Images.FORMATS);
        }
        return new FlashImage(f, BANK_SIZE, List.of());
    }

    /** The same template with another size in bytes (the board only takes {@link #BANK_SIZE}). */
    public FlashImage size(long bytes) {
        if (bytes <= 0 || bytes % 512 != 0) {
            throw new IllegalArgumentException("image size " + bytes + ", expected a positive multiple of 512");
        }
        return new FlashImage(format, bytes, contents);
    }

    /** The same template with the whole of {@code file} at offset 0 (e.g. firmware for bank 0). */
    public FlashImage from(Path file) {
        return with(0, file);
    }

    /** The same template with the whole of {@code file} at {@code offset}. */
    public FlashImage with(long offset, Path file) {
        List<Content> c = new ArrayList<>(contents);
        c.add(new Content(checkOffset(offset), Objects.requireNonNull(file, "file"), null));
        return new FlashImage(format, size, c);
    }

    /** The same template with {@code data} at {@code offset}. */
    public FlashImage with(long offset, byte[] data) {
        List<Content> c = new ArrayList<>(contents);
        c.add(new Content(checkOffset(offset), null, data.clone()));
        return new FlashImage(format, size, c);
    }

    /** {@code raw} or {@code qcow2}. */
    public String format() {
        return format;
    }

    /** The image's size in bytes. */
    public long size() {
        return size;
    }

    /**
     * Creates the image at {@code file} (an existing file is replaced) and writes the contents, later ones over
     * earlier ones.
     *
     * @return {@code file}
     * @throws IOException if the image cannot be made or a content file read, or a content does not fit (the
     *                     message names the file, the offset and the sizes)
     */
    public Path create(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        for (Content c : contents) {
            long length = c.file != null ? sizeOf(c.file) : c.data.length;
            if (c.offset + length > size) {
                throw new IOException((c.file != null ? c.file + ": " : "") + length + " bytes at offset " + c.offset
                        + " do not fit an image of " + size + " bytes (" + file + ")");
            }
        }
        Images.create(file, format, size);
        if (contents.isEmpty()) {
            return file;
        }
        try (BlockBackend image = Images.open(file, format, false)) {
            for (Content c : contents) {
                if (c.file != null) {
                    try (InputStream in = Files.newInputStream(c.file)) {
                        copyNonZero(in, image, c.offset);
                    }
                } else {
                    copyNonZero(new ByteArrayInputStream(c.data), image, c.offset);
                }
            }
            image.flush();
        }
        return file;
    }

    private static long sizeOf(Path file) throws IOException {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read the file (" + e + ")", e);
        }
    }

    /** Writes the pages of {@code in} that hold a non-zero byte; zero pages stay holes / unallocated. */
    private static void copyNonZero(InputStream in, BlockBackend image, long offset) throws IOException {
        byte[] buf = new byte[CHUNK];
        long at = offset;
        int n;
        while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
            int page = 0;
            while (page < n) {
                int runStart = page;
                while (page < n && !isZero(buf, page, Math.min(PAGE, n - page))) {
                    page += PAGE;
                }
                int runEnd = Math.min(page, n);
                if (runEnd > runStart) {
                    image.write(at + runStart, ByteBuffer.wrap(buf, runStart, runEnd - runStart));
                }
                page += PAGE;
            }
            at += n;
        }
    }

    private static boolean isZero(byte[] b, int off, int len) {
        return Zeros.isZero(b, off, len);
    }

    private static long checkOffset(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("content offset " + offset + ", expected 0 or more");
        }
        return offset;
    }

    @Override
    public String toString() {
        return "FlashImage[" + format + ", " + size + " bytes, " + contents.size() + " content(s)]";
    }

    private static final class Content {
        final long offset;
        final Path file;
        final byte[] data;

        Content(long offset, Path file, byte[] data) {
            this.offset = offset;
            this.file = file;
            this.data = data;
        }
    }
}
