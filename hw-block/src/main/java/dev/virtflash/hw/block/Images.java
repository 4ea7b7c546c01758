package dev.virtflash.hw.block;

import dev.virtflash.hw.block.qcow2.Qcow2Backend;
import dev.virtflash.hw.block.raw.RawFileBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
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
