package dev.virtflash.hw.block.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import dev.virtflash.hw.block.image.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad and unsupported images: each is refused with one line naming the file, the value found and what was expected
 * (or the feature), and the file is left byte for byte as it was, even when opened for writing.
 */
class Qcow2BadInputTest {

    @TempDir
    Path dir;

    private Qemu q() {
        return new Qemu(dir);
    }

    /** A fresh 1 MiB v3 image (64 KiB clusters) named {@code name}. */
    private Path image(String name, String... options) {
        String[] cmd = new String[6 + options.length];
        cmd[0] = "qemu-img";
        cmd[1] = "create";
        cmd[2] = "-f";
        cmd[3] = "qcow2";
        System.arraycopy(options, 0, cmd, 4, options.length);
        cmd[4 + options.length] = name;
        cmd[5 + options.length] = "1M";
        q().run(cmd);
        return dir.resolve(name);
    }

    private static void patch(Path file, long offset, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    private static void patchInt(Path file, long offset, int value) throws IOException {
        patch(file, offset, ByteBuffer.allocate(4).putInt(value).array());
    }

    private static void patchLong(Path file, long offset, long value) throws IOException {
        patch(file, offset, ByteBuffer.allocate(8).putLong(value).array());
    }

    /**
     * Opening {@code file} (read-write, format detected) fails with a one-line message that starts with the file name
     * and contains {@code expected}; the file is unchanged. Returns the message.
     */
    private static String refused(Path file, String expected) throws IOException {
        return refused(file, false, expected);
    }

    private static String refused(Path file, boolean readOnly, String expected) throws IOException {
        return refused(file, file, readOnly, expected);
    }

    /** As above, where the message names {@code named} (the image in the chain that holds the problem). */
    private static String refused(Path file, Path named, boolean readOnly, String expected) throws IOException {
        byte[] before = Files.readAllBytes(file);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> {
            try (BlockBackend b = Images.open(file, null, readOnly)) {
                // opening is enough
                b.size();
            }
        });
        String message = e.getMessage();
        assertTrue(message.startsWith(named + ": "), message);
        assertTrue(message.contains(expected), "'" + message + "' should contain '" + expected + "'");
        assertFalse(message.contains("\n"), "one line: " + message);
        assertArrayEquals(before, Files.readAllBytes(file), "the file must be unchanged");
        return message;
    }

    private static void opens(Path file, boolean readOnly) throws IOException {
        byte[] before = Files.readAllBytes(file);
        try (BlockBackend b = Images.open(file, null, readOnly)) {
            b.read(0, ByteBuffer.allocate(4096));
        }
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void truncatedHeader() throws IOException {
        Path img = image("t.qcow2");
        byte[] head = Arrays.copyOf(Files.readAllBytes(img), 50);
        Files.write(img, head);
        refused(img, "truncated header: file is 50 bytes, expected at least 72");
    }

    @Test
    void truncatedVersion3Header() throws IOException {
        Path img = image("t.qcow2");
        Files.write(img, Arrays.copyOf(Files.readAllBytes(img), 90));
        refused(img, "truncated header: file is 90 bytes, expected at least 104 for version 3");
    }

    @Test
    void wrongMagic() throws IOException {
        Path raw = dir.resolve("plain.raw");
        Files.write(raw, new byte[4096]);
        byte[] before = Files.readAllBytes(raw);
        ImageFormatException e = assertThrows(ImageFormatException.class,
                () -> Images.open(raw, "qcow2", false).close());
        assertEquals(raw + ": wrong magic 0x00000000, expected 0x514649fb (QFI\\xfb)", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(raw));
    }

    @Test
    void unknownVersion() throws IOException {
        Path img = image("v.qcow2");
        patchInt(img, 4, 4);
        refused(img, "version 4, expected 2 or 3");
    }

    @Test
    void clusterBitsOutOfRange() throws IOException {
        Path img = image("c.qcow2");
        patchInt(img, 20, 31);
        byte[] before = Files.readAllBytes(img);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.open(img, null, false));
        assertEquals(img + ": cluster_bits 31, expected 9 to 21", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(img));
        patchInt(img, 20, 8);
        refused(img, "cluster_bits 8, expected 9 to 21");
    }

    @Test
    void badHeaderLength() throws IOException {
        Path img = image("h.qcow2");
        patchInt(img, 100, 100);
        refused(img, "header_length 100, expected a multiple of 8 from 104 to 65536");
    }

    @Test
    void refcountOrderOutOfRange() throws IOException {
        Path img = image("r.qcow2");
        patchInt(img, 96, 7);
        refused(img, "refcount_order 7, expected 0 to 6");
    }

    @Test
    void l1TablePastEndOfFile() throws IOException {
        Path img = image("l1.qcow2");
        patchLong(img, 40, 0x100000);
        refused(img, "L1 table at 0x100000 (8 bytes) extends past the end of the file (196616 bytes)");
    }

    @Test
    void l1TableOverlappingTheHeaderOrUnaligned() throws IOException {
        Path img = image("l1.qcow2");
        patchLong(img, 40, 0);
        refused(img, "L1 table offset 0x0 overlaps the header (the first 65536 bytes)");
        patchLong(img, 40, 0x30200);
        refused(img, "L1 table offset 0x30200 is not a multiple of the cluster size 65536");
        patchLong(img, 40, 0x10000);
        refused(img, "L1 table at 0x10000 (8 bytes) overlaps the refcount table at 0x10000 (65536 bytes)");
    }

    @Test
    void refcountTablePastEndOfFile() throws IOException {
        Path img = image("rt.qcow2");
        patchLong(img, 48, 0x40000000L);
        refused(img, "refcount table at 0x40000000 (65536 bytes) extends past the end of the file (196616 bytes)");
        patchLong(img, 48, 0x10000);
        patchInt(img, 56, 0);
        refused(img, "refcount table size 0 clusters, expected 1 to 128");
    }

    @Test
    void sizeTooBig() throws IOException {
        Path img = image("s.qcow2");
        patchLong(img, 24, 1L << 62);
        refused(img, "virtual size 4611686018427387904, expected at most 2251799813685248 with 65536-byte"
                + " clusters");
        patchLong(img, 24, 1L << 40);
        refused(img, "L1 table size 1 entries, expected at least 2048 for a virtual size of 1099511627776 bytes");
    }

    @Test
    void encryption() throws IOException {
        // The header field alone decides: qemu-img's LUKS creation benchmarks PBKDF iterations and fails under load
        // ("Unable to get accurate CPU usage"), so the LUKS case patches crypt_method like the AES one.
        Path luks = image("luks.qcow2");
        patchInt(luks, 32, 2);
        refused(luks, true, "encryption (crypt_method 2, LUKS) is not supported");
        Path aes = image("aes.qcow2");
        patchInt(aes, 32, 1);
        refused(aes, true, "encryption (crypt_method 1, AES) is not supported");
    }

    @Test
    void extendedL2Entries() throws IOException {
        refused(image("e.qcow2", "-o", "extended_l2=on"), true,
                "extended L2 entries (incompatible feature bit 4) are not supported");
    }

    @Test
    void externalDataFile() throws IOException {
        refused(image("d.qcow2", "-o", "data_file=d.data"), true,
                "external data file (incompatible feature bit 2) is not supported");
    }

    @Test
    void zstdCompression() throws IOException {
        refused(image("z.qcow2", "-o", "compression_type=zstd"), true,
                "compression type 1 (zstd) (incompatible feature bit 3) is not supported, expected 0 (zlib/deflate)");
    }

    @Test
    void unknownIncompatibleFeature() throws IOException {
        Path img = image("u.qcow2");
        patchLong(img, 72, 1L << 9);
        refused(img, true, "unknown incompatible feature bit 9 is not supported");
        patchLong(img, 72, 1L << 4 | 1L << 60); // the unknown bit is named first
        refused(img, true, "unknown incompatible feature bit 60 is not supported");
    }

    @Test
    void dirtyImageWithLazyRefcounts() throws IOException {
        Path img = image("dirty.qcow2", "-o", "lazy_refcounts=on");
        opens(img, false);
        patchLong(img, 72, 1L); // what QEMU leaves behind when it dies with lazy refcounts
        refused(img, true, "dirty image (incompatible feature bit 0, lazy refcounts) is not supported");
    }

    @Test
    void corruptImageOpensOnlyForReading() throws IOException {
        Path img = image("corrupt.qcow2");
        patchLong(img, 72, 1L << 1);
        opens(img, true);
        refused(img, "image is marked corrupt (incompatible feature bit 1) and cannot be written");
    }

    @Test
    void snapshotsOpenOnlyForReading() throws IOException {
        Path img = image("snap.qcow2");
        q().run("qemu-io", "-f", "qcow2", "-c", "write -P 7 0 64k", "snap.qcow2");
        q().run("qemu-img", "snapshot", "-c", "first", "snap.qcow2");
        opens(img, true);
        refused(img, "1 internal snapshot(s): writing images with snapshots is not supported, expected 0");
    }

    @Test
    void bitmapsOpenOnlyForReading() throws IOException {
        Path img = image("bitmap.qcow2");
        q().run("qemu-img", "bitmap", "--add", "bitmap.qcow2", "b0");
        opens(img, true);
        refused(img, "persistent dirty bitmaps (1) are not supported for writing");
    }

    @Test
    void missingBackingFile() throws IOException {
        image("base.qcow2");
        q().run("qemu-img", "create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2", "1M");
        Files.delete(dir.resolve("base.qcow2"));
        refused(dir.resolve("top.qcow2"), true, "backing file 'base.qcow2' not found (looked for "
                + dir.resolve("base.qcow2") + ")");
    }

    @Test
    void backingLoops() throws IOException {
        Path self = dir.resolve("self.qcow2");
        Qcow2Image.create(self, 1 << 20, 3, "self.qcow2", "qcow2");
        refused(self, true, "backing chain loops back to " + self.toRealPath() + ": " + self.toRealPath() + " -> "
                + self.toRealPath());
        image("b.qcow2");
        q().run("qemu-img", "create", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", "a.qcow2", "1M");
        q().run("qemu-img", "rebase", "-u", "-b", "a.qcow2", "-F", "qcow2", "b.qcow2");
        Path a = dir.resolve("a.qcow2").toRealPath();
        Path b = dir.resolve("b.qcow2").toRealPath();
        // the message names the image whose backing file closes the loop, and the whole chain
        refused(dir.resolve("a.qcow2"), dir.resolve("b.qcow2"), true, "backing chain loops back to " + a + ": " + a
                + " -> " + b + " -> " + a);
        // without a format in the header, the loop is found through probing too
        Qcow2Image.create(dir.resolve("p.qcow2"), 1 << 20, 3, "p.qcow2", null);
        refused(dir.resolve("p.qcow2"), true, "backing chain loops back to");
    }

    @Test
    void invalidBackingFileName() throws IOException {
        Path img = image("n.qcow2");
        Qcow2Image.create(img, 1 << 20, 3, "bad\u0000name", null);
        refused(img, true, "backing file name 'bad\\x00name' is not a valid path");
    }

    @Test
    void corruptL2EntryIsRefusedOnRead() throws IOException {
        Path img = image("l2.qcow2");
        q().run("qemu-io", "-f", "qcow2", "-c", "write -P 9 0 4k", "l2.qcow2");
        long l2;
        try (ImageFile f = ImageFile.open(img, true)) {
            Qcow2Header h = Qcow2Header.read(f);
            ByteBuffer e = ByteBuffer.allocate(8);
            f.readFully(h.l1TableOffset(), e);
            l2 = e.getLong(0) & Entries.OFFSET_MASK;
        }
        ByteBuffer e = ByteBuffer.allocate(8);
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.READ)) {
            ch.read(e, l2);
        }
        patchLong(img, l2, e.getLong(0) | 0x200); // data offset no longer cluster aligned
        byte[] before = Files.readAllBytes(img);
        try (BlockBackend b = Images.open(img, null, false)) {
            ImageFormatException x = assertThrows(ImageFormatException.class,
                    () -> b.read(0, ByteBuffer.allocate(512)));
            assertTrue(x.getMessage().contains("is not cluster aligned"), x.getMessage());
            assertThrows(ImageFormatException.class, () -> b.write(0, ByteBuffer.allocate(512)));
        }
        assertArrayEquals(before, Files.readAllBytes(img));
    }
}
