package dev.virtflash.app.cli;

import java.nio.file.Path;
import java.util.Objects;

/** What flash bank 0 starts with: the firmware the CPU runs from address 0. */
public sealed interface FirmwareSource permits FirmwareSource.Bios, FirmwareSource.PflashImage,
        FirmwareSource.Payload, FirmwareSource.Kernel {

    /**
     * {@code -bios FILE}: the file is copied into bank 0's memory (at most 64 MiB; the rest reads zero), with no
     * backing image, so the guest's flash writes are not saved, as QEMU.
     */
    record Bios(Path file) implements FirmwareSource {
        public Bios {
            Objects.requireNonNull(file, "file");
        }
    }

    /** {@code -drive if=pflash,unit=0,...}: bank 0 is that image. */
    record PflashImage(DriveSpec drive) implements FirmwareSource {
        public PflashImage {
            Objects.requireNonNull(drive, "drive");
        }
    }

    /**
     * An embedded payload ({@code --payload NAME}, {@code default} when neither {@code -bios} nor a unit 0 drive is
     * given): the resource {@code dev/virtflash/firmware/NAME.bin} of the firmware module goes into bank 0.
     */
    record Payload(String name) implements FirmwareSource {
        public Payload {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * {@code -kernel FILE [-initrd FILE] [-append STRING]}: no firmware runs; the kernel starts from RAM as QEMU's
     * {@code -kernel} starts it (see {@link dev.virtflash.virt.KernelBoot}), whether or not a unit 0 drive gives bank 0
     * an image (QEMU would run that image as firmware and pass the kernel through fw_cfg, which this board has not;
     * here it is only flash the kernel sees). {@code -kernel} with {@code -bios} is refused.
     *
     * @param initrd null for none
     * @param append null for none
     */
    record Kernel(Path kernel, Path initrd, String append) implements FirmwareSource {
        public Kernel {
            Objects.requireNonNull(kernel, "kernel");
        }
    }
}
