package dev.virtflash.hw.block.qcow2;

import dev.virtflash.hw.block.BackingOpener;
import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ImageFile;
import java.io.IOException;

/** A qcow2 image (versions 2 and 3). Placeholder: the implementation is being written. */
public abstract class Qcow2Backend implements BlockBackend {

    /** The magic number at offset 0: {@code QFI\xfb}. */
    public static final int MAGIC = 0x514649FB;

    /** Opens a qcow2 image over {@code file} (which it then owns), opening backing files with {@code backing}. */
    public static Qcow2Backend open(ImageFile file, BackingOpener backing) throws IOException {
        throw new UnsupportedOperationException("qcow2 is not written yet");
    }
}
