package dev.virtflash.hw.block;

import dev.virtflash.hw.block.qcow2.Qcow2Backend;
import dev.virtflash.hw.block.raw.RawFileBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Locale;

/** Opens images: format from {@code format=} or, when absent, from the magic number, as QEMU probes. */
public final class Images {

    /** The formats we open. */
    public static final java.util.List<String> FORMATS = java.util.List.of("raw", "qcow2");

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
