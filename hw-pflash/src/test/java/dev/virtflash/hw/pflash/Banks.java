package dev.virtflash.hw.pflash;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Bank factories for tests. */
final class Banks {

    static final long KiB = 1024;
    static final long MiB = 1024 * KiB;
    static final long VIRT_SIZE = PflashCfi01.VIRT_BANK_SIZE;
    static final long BLOCK = 256 * KiB;

    private Banks() {
    }

    /** The virt bank without an image (writable RAM). */
    static PflashCfi01 virtRam(String name) {
        return build(PflashCfi01.virtBank(name));
    }

    /**
     * The virt bank without an image, with QEMU 7.2's semantics (program overwrites, 0x50 clears SR.7): for the
     * spec's oracles, which were observed on QEMU.
     */
    static PflashCfi01 qemuRam(String name) {
        return build(PflashCfi01.virtBank(name).semantics(FlashSemantics.QEMU_7_2));
    }

    /** The virt bank without an image, writing back to {@code wb}. */
    static PflashCfi01 virtRam(String name, RecordingWriteBack wb) {
        return build(PflashCfi01.virtBank(name).writeBack(wb));
    }

    /** The second geometry of the acceptance list: bank width 2, two x8 chips, 128 KiB sectors, 8 MiB. */
    static PflashCfi01.Builder x8Pair(String name) {
        return PflashCfi01.builder().name(name).sectorLength(128 * KiB).numBlocks(64).bankWidth(2).deviceWidth(1)
                .ids(0x89, 0x18, 0, 0);
    }

    static PflashCfi01 build(PflashCfi01.Builder builder) {
        try {
            return builder.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
