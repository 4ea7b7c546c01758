package dev.virtflash.app.cli;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One {@code -drive if=pflash,...}: which flash bank, which image, how.
 *
 * @param unit     the flash bank, 0 or 1 ({@code unit=} or {@code index=}, else the first free one, as QEMU)
 * @param file     the image
 * @param format   {@code "raw"} or {@code "qcow2"}, or {@code null} to detect it from the file's magic, as QEMU
 * @param readOnly {@code readonly=on}: the bank's writes are refused by the flash, the image is opened read-only
 */
public record DriveSpec(int unit, Path file, String format, boolean readOnly) {

    public DriveSpec {
        Objects.requireNonNull(file, "file");
        if (unit < 0 || unit >= MachineConfig.FLASH_BANKS) {
            throw new IllegalArgumentException("pflash unit " + unit + ", expected 0 or 1");
        }
    }
}
