package dev.virtflash.hw.block;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An image that cannot be used: broken, unsupported, or not what was asked for. The message is one line and names
 * the file, the number found and what was expected, e.g.
 * {@code vars.qcow2: cluster_bits 31, expected 9 to 21}.
 */
public final class ImageFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public ImageFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
