package dev.virtflash.virt;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPInputStream;

/**
 * A Linux kernel booted the way QEMU 7.2's {@code -kernel} boots an AArch64 {@code Image} on {@code virt} (no
 * firmware): where the kernel, the initrd and the device tree go in RAM, and what the CPU starts with.
 *
 * <ul>
 *   <li>A gzip-compressed image (Debian's {@code vmlinuz}) is inflated first, as QEMU does.</li>
 *   <li>An image with the arm64 header (magic {@code "ARM\x64"} at 0x38) and a non-zero {@code image_size} goes to
 *   RAM base + {@code text_offset}, plus 2 MiB when that offset is below 4 KiB (QEMU keeps its boot stub at the bottom
 *   of RAM); an image without one goes to RAM base + 0x80000.</li>
 *   <li>The initrd goes to RAM base + min(RAM / 2, 128 MiB), or to the 4 KiB boundary after the kernel if that is
 *   higher; the device tree to the 2 MiB boundary after the initrd (its end, or its start without one).</li>
 *   <li>The CPU starts at the kernel's first byte at EL1h with x0 = the device tree, x1..x3 = 0 (QEMU's stub).</li>
 * </ul>
 * Measured against QEMU 7.2 with a test image that prints what it was given. Not supported: ELF and uImage kernels,
 * AArch32 kernels, {@code -dtb}.
 */
public final class KernelBoot {

    static final int ARM64_MAGIC_OFFSET = 0x38;
    static final int ARM64_TEXT_OFFSET_OFFSET = 8;
    static final int ARM64_IMAGE_SIZE_OFFSET = 16;
    static final byte[] ARM64_MAGIC = {'A', 'R', 'M', 0x64};
    /** Where QEMU loads an image without a header (KERNEL64_LOAD_ADDR). */
    static final long DEFAULT_LOAD_OFFSET = 0x80000;
    /** QEMU's boot stub size limit: a smaller text_offset is moved up by 2 MiB. */
    static final long BOOTLOADER_MAX_SIZE = 4096;
    static final long TWO_MIB = 2L << 20;
    static final long INITRD_MAX_OFFSET = 128L << 20;
    static final long PAGE = 4096;

    private final byte[] image;
    private final byte[] initrd;
    private final String commandLine;

    /**
     * @param kernel      the kernel file's bytes (an arm64 {@code Image}, possibly gzip-compressed)
     * @param initrd      the initrd's bytes, or null for none
     * @param commandLine the kernel command line ({@code -append}), or null
     */
    public KernelBoot(byte[] kernel, byte[] initrd, String commandLine) {
        this.image = inflateIfGzip(kernel);
        this.initrd = initrd == null ? null : initrd.clone();
        this.commandLine = commandLine;
    }

    /** Where everything goes in a RAM of {@code ramSize} bytes at {@code ramBase}. */
    public record Layout(long kernel, long kernelEnd, long initrdStart, long initrdEnd, long deviceTree) {
    }

    /**
     * @throws IllegalArgumentException if the kernel and the initrd do not fit in RAM (the message says by how much)
     */
    public Layout layout(long ramBase, long ramSize) {
        long offset = loadOffset(image);
        long kernel = ramBase + offset;
        long kernelEnd = kernel + image.length;
        long initrdStart = ramBase + Math.min(ramSize / 2, INITRD_MAX_OFFSET);
        if (initrdStart < kernelEnd) {
            initrdStart = (kernelEnd + PAGE - 1) & -PAGE;
        }
        long initrdEnd = initrdStart + (initrd == null ? 0 : initrd.length);
        long deviceTree = (initrdEnd + TWO_MIB - 1) & -TWO_MIB;
        long needed = deviceTree + VirtDeviceTree.BLOB_SIZE - ramBase;
        if (kernelEnd - ramBase > ramSize || needed > ramSize) {
            throw new IllegalArgumentException(String.format("-kernel: the kernel (%d bytes at 0x%x)%s and the device "
                            + "tree need %d bytes of RAM, -m gives %d", image.length, kernel,
                    initrd == null ? "" : ", the initrd (" + initrd.length + " bytes)", needed, ramSize));
        }
        return new Layout(kernel, kernelEnd, initrdStart, initrdEnd, deviceTree);
    }

    /** The kernel image as loaded (inflated). */
    public byte[] image() {
        return image.clone();
    }

    /** The initrd, or null. */
    public byte[] initrd() {
        return initrd == null ? null : initrd.clone();
    }

    /** The command line, or null. */
    public String commandLine() {
        return commandLine;
    }

    static long loadOffset(byte[] image) {
        if (image.length >= ARM64_MAGIC_OFFSET + 4 && image[ARM64_MAGIC_OFFSET] == ARM64_MAGIC[0]
                && image[ARM64_MAGIC_OFFSET + 1] == ARM64_MAGIC[1] && image[ARM64_MAGIC_OFFSET + 2] == ARM64_MAGIC[2]
                && image[ARM64_MAGIC_OFFSET + 3] == ARM64_MAGIC[3]) {
            ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
            long textOffset = b.getLong(ARM64_TEXT_OFFSET_OFFSET);
            long imageSize = b.getLong(ARM64_IMAGE_SIZE_OFFSET);
            if (imageSize != 0) {
                return textOffset < BOOTLOADER_MAX_SIZE ? textOffset + TWO_MIB : textOffset;
            }
        }
        return DEFAULT_LOAD_OFFSET;
    }

    private static byte[] inflateIfGzip(byte[] kernel) {
        if (kernel.length < 2 || (kernel[0] & 0xFF) != 0x1F || (kernel[1] & 0xFF) != 0x8B) {
            return kernel.clone();
        }
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(kernel))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("-kernel: gzip data is corrupt (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        return "KernelBoot[" + image.length + " bytes" + (initrd == null ? "" : ", initrd " + initrd.length + " bytes")
                + (commandLine == null ? "" : ", \"" + commandLine + "\"") + "]";
    }
}
