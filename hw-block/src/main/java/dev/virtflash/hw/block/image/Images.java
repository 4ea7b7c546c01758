package dev.virtflash.hw.block.image;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import dev.virtflash.hw.block.qcow2.Qcow2Backend;
import dev.virtflash.hw.block.qcow2.Qcow2Image;
import dev.virtflash.hw.block.raw.RawFileBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;

/** Opens images: format from {@code format=} or, when absent, from the magic number, as QEMU probes. */
public final class Images {

    /** The formats we open. */
    public static final List<String> FORMATS = List.of("raw", "qcow2");

    private Images() {
    }

    /**
     * Opens and locks {@code path}.
     *
     * @param format {@code raw}, {@code qcow2}, or {@code null} to detect
     * @throws ImageFormatException for an unknown format, a broken image, a held lock, a missing file
     */
    public static BlockBackend open(Path path, String format, boolean readOnly) throws IOException {
        String fmt = format == null ? null : format.toLowerCase(Locale.ROOT);
        if (fmt != null && !FORMATS.contains(fmt)) {
            throw new ImageFormatException(path, "unknown format '" + format + "', expected one of " + FORMATS);
        }
        ImageFile file = ImageFile.open(path, readOnly);
        try {
            if (fmt == null) {
                fmt = probe(file);
            }
            if (fmt.equals("qcow2")) {
                return Qcow2Backend.open(file, (backingPath, backingFormat) -> open(backingPath, backingFormat, true));
            }
            return RawFileBackend.open(file);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Creates an empty image of {@code size} bytes as {@code qemu-img create -f FORMAT FILE SIZE} does (qcow2: version 3,
     * 64 KiB clusters, no backing file; both formats rounded up to whole sectors); an existing file is replaced.
     *
     * @throws ImageFormatException for an unknown format, a size too large, a file that cannot be made
     */
    public static void create(Path file, String format, long size) throws IOException {
        String fmt = format.toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(fmt)) {
            throw new ImageFormatException(file, "unknown format '" + format + "', expected one of " + FORMATS);
        }
        if (fmt.equals("qcow2")) {
            long rounded = (size + 511) / 512 * 512;
            if (rounded < size) {
                throw new ImageFormatException(file, "image size " + size + " is too large");
            }
            Qcow2Image.create(file, rounded, 3, null, null, Qcow2Image.DEFAULT_CLUSTER_SIZE);
            return;
        }
        createRaw(file, size);
    }

    /** A raw image of {@code size} bytes rounded up to whole sectors, all hole; an existing file is truncated. */
    public static void createRaw(Path file, long size) throws IOException {
        long length = (size + 511) / 512 * 512;
        if (length < size) {
            throw new ImageFormatException(file, "image size " + size + " is too large");
        }
        if (!Files.exists(file)) {
            try (FileChannel created = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                created.force(false);
            } catch (FileSystemException e) {
                throw new ImageFormatException(file, "cannot create: " + (e.getReason() == null ? e.getClass()
                        .getSimpleName() : e.getReason()));
            }
        }
        try (ImageFile image = ImageFile.open(file, false)) { // takes the write lock before changing anything
            image.setLength(0);
            image.setLength(length);
            image.flush();
        }
    }

    /**
     * Checks that {@code image} is exactly {@code expected} bytes, as QEMU checks a flash bank's drive at start-up;
     * smaller and larger are both refused. The message names the file, the device, the size expected and the size
     * found: {@code flash1.img: device 'virt.flash1' requires 67108864 bytes, the image provides 786432 bytes}.
     *
     * @param deviceName the device's id, e.g. {@code virt.flash1}
     */
    public static void requireSize(BlockBackend image, long expected, String deviceName) throws ImageFormatException {
        requireSize(image, expected, null, deviceName);
    }

    /**
     * As {@link #requireSize(BlockBackend, long, String)}, naming the device's type as QEMU does:
     * {@code flash1.img: cfi.pflash01 device 'virt.flash1' requires 67108864 bytes, the image provides 786432 bytes}.
     *
     * @param deviceType the device's type, e.g. {@code cfi.pflash01}, or {@code null}
     */
    public static void requireSize(BlockBackend image, long expected, String deviceType, String deviceName)
            throws ImageFormatException {
        if (image.size() != expected) {
            throw new ImageFormatException(image.path(), (deviceType == null ? "" : deviceType + " ") + "device '"
                    + deviceName + "' requires " + expected + " bytes, the image provides " + image.size()
                    + " bytes");
        }
    }

    /** The format named by the file's first bytes: {@code qcow2} for {@code QFI\xfb}, otherwise {@code raw}. */
    public static String probe(ImageFile file) throws IOException {
        if (file.length() < 4) {
            return "raw";
        }
        ByteBuffer magic = ByteBuffer.allocate(4);
        file.readFully(0, magic);
        return magic.getInt(0) == Qcow2Backend.MAGIC ? "qcow2" : "raw";
    }
}
