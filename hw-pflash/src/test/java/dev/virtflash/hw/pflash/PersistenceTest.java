package dev.virtflash.hw.pflash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.image.Images;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * crosvm-style persistence: erase, word program and buffered program on a temporary image, close, reopen, read back,
 * the last word of the last sector included. Parameterised by image format: raw, and qcow2 (made with
 * {@code qemu-img create -f qcow2 FILE 64M}, checked with {@code qemu-img check} afterwards, its contents compared with
 * {@code qemu-img convert -O raw}).
 */
class PersistenceTest {

    private static final long SIZE = Banks.VIRT_SIZE;
    private static final long BLOCK = Banks.BLOCK;
    private static final long LAST_BLOCK = SIZE - BLOCK;
    private static final long LAST_WINDOW = SIZE - 4096;
    private static final long LAST_WORD = SIZE - 4;

    @TempDir
    Path dir;

    private Path create(String format) throws IOException, InterruptedException {
        Path image = dir.resolve("vars." + format);
        if (format.equals("raw")) {
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(SIZE);
                f.seek(2 * BLOCK + 100);
                f.writeInt(0x01020304);                // data the erase must remove
                f.seek(5 * BLOCK);
                f.writeInt(0x0A0B0C0D);                // data nothing touches
            }
        } else {
            Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", format, image.toString(), "64M")
                    .redirectErrorStream(true).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0,
                    "qemu-img create: " + new String(p.getInputStream().readAllBytes()));
            try (BlockBackend b = Images.open(image, format, false)) {
                b.write(2 * BLOCK + 100, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
                b.write(5 * BLOCK, ByteBuffer.wrap(new byte[] {0x0A, 0x0B, 0x0C, 0x0D}));
                b.flush();
            }
        }
        return image;
    }

    private static long word(long i) {
        return (0xA5000000L | i * 0x10101) & 0xFFFF_FFFFL;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"raw", "qcow2"})
    void changesSurviveCloseAndReopen(String format) throws Exception {
        Path image = create(format);
        try (BlockBackend backend = Images.open(image, format, false);
             PflashCfi01 bank = PflashCfi01.virtBank("virt.flash1").backend(backend).build()) {
            Bus bus = new Bus(bank);
            assertTrue(bank.persistent());
            // Erase block 2 (EDK2 style: 32-bit doubled commands) and the last block.
            for (long block : new long[] {2 * BLOCK, LAST_BLOCK}) {
                bus.cmd32(block, 0x20);
                bus.cmd32(block, 0xD0);
                bus.cmd32(0, 0x70);
                assertEquals(0x00800080L, bus.r32(0));
                bus.cmd32(0, 0xFF);
            }
            // Word program in block 0, erased first (programming only clears bits).
            bus.cmd32(0, 0x20);
            bus.cmd32(0, 0xD0);
            bus.w32(0x10, 0x40);
            bus.w32(0x10, 0x12345678L);
            // Buffered program of the whole last window: 1024 words, ending with the last word of the bank.
            bus.cmd32(LAST_WINDOW, 0xE8);
            bus.w32(LAST_WINDOW, 0x03FF);
            for (long i = 0; i < 1024; i++) {
                bus.w32(LAST_WINDOW + 4 * i, word(i));
            }
            bus.cmd32(0, 0xD0);
            assertEquals(0x00800080L, bus.r32(0));
            // Word program of one byte inside block 2.
            bus.w8(2 * BLOCK + 7, 0x40);
            bus.w8(2 * BLOCK + 7, 0x5A);
            bus.cmd32(0, 0xFF);
            assertEquals(word(1023), bus.r32(LAST_WORD));
        }

        try (BlockBackend backend = Images.open(image, format, false);
             PflashCfi01 bank = PflashCfi01.virtBank("virt.flash1").backend(backend).build()) {
            Bus bus = new Bus(bank);
            assertEquals(0x12345678L, bus.r32(0x10), "word program persisted");
            assertEquals(0xFFFFFFFFL, bus.r32(0x14), "erased neighbour");
            assertEquals(0xFFFFFFFFL, bus.r32(2 * BLOCK + 100), "erase persisted over old data");
            assertEquals(0x5AFFFFFFL, bus.r32(2 * BLOCK + 4), "byte program persisted");
            assertEquals(0xFFFFFFFFL, bus.r32(3 * BLOCK - 4), "last word of the erased block");
            assertEquals(0x0D0C0B0AL, bus.r32(5 * BLOCK), "untouched data kept");
            for (long i = 0; i < 1024; i++) {
                assertEquals(word(i), bus.r32(LAST_WINDOW + 4 * i), "buffered word " + i);
            }
            assertEquals(word(1023), bus.r32(LAST_WORD), "the last word of the last sector");
            assertEquals(0xFFFFFFFFL, bus.r32(LAST_WINDOW - 4), "rest of the last block erased");
            assertEquals(0xFFFFFFFFL, bus.r32(LAST_BLOCK));
            assertTrue(bank.region().memory().isZero(3 * BLOCK, 2 * BLOCK), "nothing else written");
            assertTrue(bank.region().memory().isZero(5 * BLOCK + 4, LAST_BLOCK - 5 * BLOCK - 4));
        }

        if (!format.equals("raw")) {
            // The container must still be consistent for QEMU's own tools.
            Process p = new ProcessBuilder("qemu-img", "check", "-q", "-f", format, image.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "qemu-img check: " + out);
        }
        // The guest-visible bytes at the same offsets: the raw file itself, or what QEMU reads from the qcow2 image.
        Path contents = image;
        if (!format.equals("raw")) {
            contents = dir.resolve("contents.raw");
            Process p = new ProcessBuilder("qemu-img", "convert", "-f", format, "-O", "raw", image.toString(),
                    contents.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "qemu-img convert: " + out);
        }
        try (RandomAccessFile f = new RandomAccessFile(contents.toFile(), "r")) {
            assertEquals(SIZE, f.length(), "the image keeps its size");
            assertEquals(0x12345678L, le32(f, 0x10), "word program");
            assertEquals(0xFFFFFFFFL, le32(f, 2 * BLOCK + 100), "erase");
            assertEquals(0x0D0C0B0AL, le32(f, 5 * BLOCK), "untouched data");
            assertEquals(word(1023), le32(f, LAST_WORD), "the last word of the last sector");
        }
    }

    private static long le32(RandomAccessFile f, long offset) throws IOException {
        byte[] bytes = new byte[4];
        f.seek(offset);
        f.readFully(bytes);
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL;
    }
}
