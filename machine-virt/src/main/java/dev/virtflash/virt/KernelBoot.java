package dev.virtflash.virt;

import dev.virtflash.memory.HostMemory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
 *
 * <p>Built from files ({@link #of}), it keeps no copy of them: every load (at build and at each reset) streams the
 * files into RAM again, inflating as it goes (a Debian kernel is 33 MiB inflated, which a board used to hold twice in
 * its heap). A compressed kernel's size is its gzip trailer's (one gzip member, as Debian's {@code vmlinuz}); a
 * file whose data no longer has the size it had is an error naming it.
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
    /** The arm64 header's bytes that {@link #loadOffset} reads. */
    private static final int HEADER_BYTES = ARM64_MAGIC_OFFSET + 4;
    /** How much of a file one write into RAM takes. */
    private static final int CHUNK = 1 << 20;

    private final Content image;
    private final Content initrd;
    private final String commandLine;
    /** The image's first {@link #HEADER_BYTES} bytes (fewer if it is shorter). */
    private final byte[] header;

    /**
     * From bytes in memory, which the boot copies.
     *
     * @param kernel      the kernel file's bytes (an arm64 {@code Image}, possibly gzip-compressed)
     * @param initrd      the initrd's bytes, or null for none
     * @param commandLine the kernel command line ({@code -append}), or null
     */
    public KernelBoot(byte[] kernel, byte[] initrd, String commandLine) {
        this(new Bytes(isGzip(kernel) ? inflate(kernel) : kernel.clone()),
                initrd == null ? null : new Bytes(initrd.clone()), commandLine);
    }

    private KernelBoot(Content image, Content initrd, String commandLine) {
        this.image = image;
        this.initrd = initrd;
        this.commandLine = commandLine;
        this.header = image.head(HEADER_BYTES);
    }

    /**
     * From files, read again at every load: QEMU's {@code -kernel FILE [-initrd FILE] [-append STRING]}.
     *
     * @param initrd      null for none
     * @param commandLine null for none
     * @throws IOException with a message naming the file (and the option) that cannot be read or inflated
     */
    public static KernelBoot of(Path kernel, Path initrd, String commandLine) throws IOException {
        return new KernelBoot(FileContent.open("-kernel", kernel, true),
                initrd == null ? null : FileContent.open("-initrd", initrd, false), commandLine);
    }

    /** Where everything goes in a RAM of {@code ramSize} bytes at {@code ramBase}. */
    public record Layout(long kernel, long kernelEnd, long initrdStart, long initrdEnd, long deviceTree) {
    }

    /**
     * @throws IllegalArgumentException if the kernel and the initrd do not fit in RAM (the message says by how much)
     */
    public Layout layout(long ramBase, long ramSize) {
        long offset = loadOffset(header);
        long kernel = ramBase + offset;
        long kernelEnd = kernel + image.length();
        long initrdStart = ramBase + Math.min(ramSize / 2, INITRD_MAX_OFFSET);
        if (initrdStart < kernelEnd) {
            initrdStart = (kernelEnd + PAGE - 1) & -PAGE;
        }
        long initrdEnd = initrdStart + (initrd == null ? 0 : initrd.length());
        long deviceTree = (initrdEnd + TWO_MIB - 1) & -TWO_MIB;
        long needed = deviceTree + VirtDeviceTree.BLOB_SIZE - ramBase;
        if (kernelEnd - ramBase > ramSize || needed > ramSize) {
            throw new IllegalArgumentException(String.format("-kernel: the kernel (%d bytes at 0x%x)%s and the device "
                            + "tree need %d bytes of RAM, -m gives %d", image.length(), kernel,
                    initrd == null ? "" : ", the initrd (" + initrd.length() + " bytes)", needed, ramSize));
        }
        return new Layout(kernel, kernelEnd, initrdStart, initrdEnd, deviceTree);
    }

    /**
     * Writes the kernel (inflated) and the initrd where {@code layout} puts them, into {@code ram} at {@code ramBase}.
     *
     * @throws UncheckedIOException naming the file, if one cannot be read or is no longer what it was
     */
    public void load(HostMemory ram, long ramBase, Layout layout) {
        image.copyTo(ram, layout.kernel() - ramBase);
        if (initrd != null) {
            initrd.copyTo(ram, layout.initrdStart() - ramBase);
        }
    }

    /** The kernel image's size as loaded (inflated). */
    public long imageLength() {
        return image.length();
    }

    /** Whether there is an initrd. */
    public boolean hasInitrd() {
        return initrd != null;
    }

    /** The command line, or null. */
    public String commandLine() {
        return commandLine;
    }

    static long loadOffset(byte[] image) {
        if (image.length >= HEADER_BYTES && image[ARM64_MAGIC_OFFSET] == ARM64_MAGIC[0]
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

    private static boolean isGzip(byte[] head) {
        return head.length >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B;
    }

    private static byte[] inflate(byte[] kernel) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(kernel))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("-kernel: gzip data is corrupt (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        return "KernelBoot[" + image + (initrd == null ? "" : ", initrd " + initrd)
                + (commandLine == null ? "" : ", \"" + commandLine + "\"") + "]";
    }

    /** What goes into RAM: its size, its first bytes, and a copy into RAM. */
    private interface Content {
        long length();

        byte[] head(int n);

        void copyTo(HostMemory ram, long offset);
    }

    private record Bytes(byte[] bytes) implements Content {
        @Override
        public long length() {
            return bytes.length;
        }

        @Override
        public byte[] head(int n) {
            return Arrays.copyOf(bytes, Math.min(n, bytes.length));
        }

        @Override
        public void copyTo(HostMemory ram, long offset) {
            ram.write(offset, bytes, 0, bytes.length);
        }

        @Override
        public String toString() {
            return bytes.length + " bytes";
        }
    }

    /** A file, inflated on the way if it is gzip data and {@code inflate} is allowed (the kernel, not the initrd). */
    private record FileContent(String option, Path file, boolean gzip, long length, byte[] head) implements Content {

        static FileContent open(String option, Path file, boolean inflate) throws IOException {
            try {
                byte[] magic;
                try (InputStream in = Files.newInputStream(file)) {
                    magic = in.readNBytes(2);
                }
                boolean gzip = inflate && isGzip(magic);
                byte[] head;
                try (InputStream in = stream(file, gzip)) {
                    head = in.readNBytes(HEADER_BYTES);
                }
                return new FileContent(option, file, gzip, gzip ? inflatedSize(file) : Files.size(file), head);
            } catch (IOException e) {
                throw new IOException(option + " " + file + ": cannot read it (" + e.getMessage() + ")", e);
            }
        }

        /** ISIZE, the gzip trailer's inflated size (mod 2^32): what QEMU's loader learns by inflating. */
        private static long inflatedSize(Path file) throws IOException {
            try (FileChannel ch = FileChannel.open(file)) {
                ByteBuffer trailer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                long size = ch.size();
                if (size < 18 || ch.read(trailer, size - 4) != 4) {
                    throw new IOException("gzip data is truncated");
                }
                return Integer.toUnsignedLong(trailer.getInt(0));
            }
        }

        private static InputStream stream(Path file, boolean gzip) throws IOException {
            InputStream in = Files.newInputStream(file);
            return gzip ? new GZIPInputStream(in, 1 << 16) : in;
        }

        @Override
        public byte[] head(int n) {
            return Arrays.copyOf(head, Math.min(n, head.length));
        }

        @Override
        public void copyTo(HostMemory ram, long offset) {
            byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(length, 1))];
            long done = 0;
            try (InputStream in = stream(file, gzip)) {
                int n;
                while ((n = in.readNBytes(chunk, 0, chunk.length)) > 0) {
                    if (done + n > length) {
                        break;
                    }
                    ram.write(offset + done, chunk, 0, n);
                    done += n;
                }
                if (done != length || in.read() != -1) {
                    throw new IOException("it changed since the machine was built: " + length + " bytes"
                            + (gzip ? " inflated" : "") + " expected");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(option + " " + file + ": cannot load it (" + e.getMessage() + ")", e);
            }
        }

        @Override
        public String toString() {
            return file + " (" + length + " bytes" + (gzip ? " inflated" : "") + ")";
        }
    }
}
