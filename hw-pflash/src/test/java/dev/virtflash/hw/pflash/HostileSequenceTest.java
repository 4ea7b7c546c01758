package dev.virtflash.hw.pflash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.SparseImage;
import dev.virtflash.hw.block.image.Images;
import dev.virtflash.hw.block.WriteBack;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.RomDeviceRegion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random bus cycles (fixed seeds): widths 1, 2, 4 and 8, aligned and unaligned offsets (writes also outside the
 * bank), values biased towards real command bytes and small counts. After every access the state must be valid;
 * every change of the array must be reported, lie in the block, word or window the access addressed, and be written
 * back exactly once with QEMU's granularity; nothing else may change, in the array or in the image.
 */
class HostileSequenceTest {

    private static final int[] COMMANDS = {0x00, 0xF0, 0xFF, 0x10, 0x40, 0x20, 0xD0, 0x50, 0x60, 0x01, 0x70, 0x90,
        0x98, 0xE8, 0x2F, 0x03, 0xB0, 0x28, 0x80, 0xC0, 0xE9};

    @TempDir
    Path dir;

    @Test
    void oneMillionCyclesOnASmallBank() throws Exception {
        // Same shape as virt (bank width 4, two x16 chips, 4 KiB window) with 8 KiB blocks: 128 KiB in all.
        PflashCfi01.Builder small = PflashCfi01.builder().name("small").sectorLength(8192).numBlocks(16)
                .bankWidth(4).deviceWidth(2).ids(0x89, 0x18, 0, 0);
        long cycles = run(small, null, 0x5EED_F1A5L, 1_000_000, 512);
        assertTrue(cycles >= 1_000_000, cycles + " bus cycles");
    }

    @Test
    void oneMillionCyclesOnTheSecondGeometry() throws Exception {
        PflashCfi01.Builder pair = PflashCfi01.builder().name("pair").sectorLength(8192).numBlocks(8).bankWidth(2)
                .deviceWidth(1).ids(0x89, 0x18, 0, 0);
        long cycles = run(pair, null, 42, 1_000_000, 512);
        assertTrue(cycles >= 1_000_000, cycles + " bus cycles");
    }

    @Test
    void virtBankWithARealImage() throws Exception {
        Path image = SparseImage.raw(dir.resolve("vars.img"), Banks.VIRT_SIZE);
        try (BlockBackend backend = Images.open(image, "raw", false)) {
            run(PflashCfi01.virtBank("virt.flash1").backend(backend), backend, 7, 150_000, 0);
        }
    }

    /** Runs {@code accesses} random accesses; returns the bus cycles they made (an access is 1 to 8 cycles). */
    private long run(PflashCfi01.Builder builder, BlockBackend backend, long seed, int accesses, int compareEvery)
            throws Exception {
        Checker checker = new Checker();
        WriteBack real = backend == null ? null : WriteBack.to(backend);
        checker.delegate = real;
        try (PflashCfi01 bank = builder.writeBack(checker).build()) {
            checker.attach(bank);
            Random r = new Random(seed);
            RomDeviceRegion region = bank.region();
            long size = bank.geometry().size();
            long cycles = 0;
            for (int n = 0; n < accesses; n++) {
                if (r.nextInt(500) == 0) {
                    // A well-formed sequence now and then, so that every operation is reached despite the noise.
                    for (long[] access : wellFormed(r, bank.geometry())) {
                        checker.begin(access[0], (int) access[1]);
                        region.write(access[0], (int) access[1], access[2]);
                        cycles += cyclesOf(access[0], (int) access[1]);
                        checker.end();
                    }
                }
                int width = 1 << r.nextInt(4);
                boolean write = r.nextInt(100) < 60;
                long offset = offset(r, size, width, write);
                checker.begin(offset, width);
                if (write) {
                    region.write(offset, width, value(r));
                } else {
                    region.read(offset, width);
                }
                cycles += cyclesOf(offset, width);
                checker.end();
                if (r.nextInt(20_000) == 0) {
                    bank.reset();
                    checker.end();
                }
                if (compareEvery > 0 && n % compareEvery == 0) {
                    checker.compareAll();
                }
            }
            checker.compareAll();
            assertTrue(checker.erases > 0 && checker.programs > 0 && checker.commits > 0,
                    "the sequence reached every operation: " + checker.erases + " erases, " + checker.programs
                            + " programs, " + checker.commits + " buffer commits");
            if (backend != null) {
                bank.close();
                checker.compareImage(backend);
            }
            return cycles;
        }
    }

    /** {offset, width, value} accesses of a clean erase, word program or buffered program at a random place. */
    private static java.util.List<long[]> wellFormed(Random r, Geometry g) {
        java.util.List<long[]> seq = new java.util.ArrayList<>();
        int bw = g.bankWidth();
        long at = (long) (r.nextDouble() * g.size()) & -bw;
        seq.add(new long[] {0, bw, 0xFF});
        seq.add(new long[] {0, bw, 0x50});
        switch (r.nextInt(3)) {
            case 0 -> {
                seq.add(new long[] {at, bw, 0x20});
                seq.add(new long[] {at, bw, 0xD0});
            }
            case 1 -> {
                seq.add(new long[] {at, bw, 0x40});
                seq.add(new long[] {at, bw, r.nextLong()});
            }
            default -> {
                long window = g.writeBufferSize();
                long start = at & -window;
                int words = 1 + r.nextInt((int) (window / bw));
                long first = start + (long) r.nextInt((int) (window / bw) - words + 1) * bw;
                seq.add(new long[] {at, bw, 0xE8});
                seq.add(new long[] {at, bw, words - 1});
                for (int i = 0; i < words; i++) {
                    seq.add(new long[] {first + (long) i * bw, bw, r.nextLong()});
                }
                seq.add(new long[] {(long) (r.nextDouble() * g.size()) & -bw, bw, 0xD0});
            }
        }
        return seq;
    }

    private static long cyclesOf(long offset, int width) {
        long n = 0;
        for (int done = 0; done < width; done += PflashBus.piece(width - done, offset + done)) {
            n++;
        }
        return n;
    }

    private static long offset(Random r, long size, int width, boolean write) {
        int k = r.nextInt(100);
        if (write && k < 3) {
            return r.nextBoolean() ? size - r.nextInt(8) : r.nextLong() >> r.nextInt(64);
        }
        long at;
        if (k < 65) {
            at = (long) (r.nextDouble() * (size - width)) & -width;
        } else if (k < 90) {
            at = (long) (r.nextDouble() * (size - width));
        } else {
            at = size - width - r.nextInt(16);
        }
        return Math.max(0, Math.min(at, size - width));
    }

    private static long value(Random r) {
        int k = r.nextInt(100);
        if (k < 55) {
            long c = COMMANDS[r.nextInt(COMMANDS.length)];
            int form = r.nextInt(4);
            if (form == 0) {
                c |= c << 16;                          // EDK2's doubled command
            } else if (form == 1) {
                c |= r.nextLong() & ~0xFFL;            // junk in the upper bytes
            }
            return c;
        }
        if (k < 75) {
            return r.nextInt(24);                      // small counts
        }
        if (k < 78) {
            return 0x001F001FL;
        }
        return r.nextLong();
    }

    /**
     * Watches one bank: region events and write-back calls, judged against the access being made; keeps a shadow of
     * the array updated only from reported changes.
     */
    private static final class Checker implements WriteBack, RomDeviceRegion.Listener {
        WriteBack delegate;
        private PflashCfi01 bank;
        private HostMemory memory;
        private byte[] shadow;
        private byte[] scratch;
        private long sector;
        private int window;
        private long accessOffset;
        private int accessWidth;
        private long windowBefore = -1;
        /** The write-back the last reported change must cause, or null. */
        private RecordingWriteBack.Call pending;
        long erases;
        long programs;
        long commits;

        void attach(PflashCfi01 b) {
            this.bank = b;
            this.memory = b.region().memory();
            this.shadow = new byte[(int) memory.size()];
            this.scratch = new byte[shadow.length];
            this.sector = b.geometry().sectorLength();
            this.window = b.geometry().writeBufferSize();
            b.region().addListener(this);
        }

        void begin(long offset, int width) {
            accessOffset = offset;
            accessWidth = width;
            windowBefore = bank.bufferWindow();
        }

        void end() {
            assertNull(pending, "a change was not written back");
            WriteState s = bank.state();
            assertEquals(s == WriteState.READ_ARRAY, bank.region().romd(), "romd follows the state");
            assertEquals(0, bank.status() & ~StatusRegister.SETTABLE_BITS, "status 0x"
                    + Integer.toHexString(bank.status()));
            long w = bank.bufferWindow();
            if (w != -1) {
                assertTrue(s == WriteState.BUFFER_DATA || s == WriteState.BUFFER_CONFIRM, "open buffer in " + s);
                assertEquals(0, w % window, "window alignment");
                assertTrue(w >= 0 && w <= shadow.length - window, "window inside the bank");
                if (windowBefore == -1) {
                    assertTrue(overlaps(w, window), "the buffer opened at a window the access addressed");
                }
            }
            windowBefore = w;
        }

        private boolean overlaps(long offset, long length) {
            return offset < accessOffset + accessWidth && accessOffset < offset + length;
        }

        @Override
        public void romdChanged(RomDeviceRegion region, boolean romd) {
            assertEquals(romd, bank.state() == WriteState.READ_ARRAY, "romd reported for the current state");
        }

        @Override
        public void contentChanged(RomDeviceRegion region, long offset, long length) {
            assertNull(pending, "previous change not written back");
            WriteState s = bank.state();
            if (s == WriteState.ERASE_SETUP) {
                assertTrue(length == sector && offset % sector == 0, "erase of a whole block");
                assertTrue(overlaps(offset, length), "erase of a block the access did not address: 0x"
                        + Long.toHexString(offset));
                erases++;
                pending = new RecordingWriteBack.Call(offset, length);
            } else if (s == WriteState.BUFFER_CONFIRM) {
                assertTrue(length == window && offset % window == 0, "commit of a whole window");
                assertTrue(offset == windowBefore || overlaps(offset, length),
                        "commit of a window that was not opened: 0x" + Long.toHexString(offset));
                commits++;
                pending = new RecordingWriteBack.Call(offset, length);
            } else {
                assertEquals(WriteState.PROGRAM_SETUP, s, "changes happen only in erase, program and confirm");
                assertTrue(length <= 4 && offset >= accessOffset && offset + length <= accessOffset + accessWidth,
                        "program outside the access: 0x" + Long.toHexString(offset) + "+" + length);
                programs++;
                long start = offset & -512;
                pending = new RecordingWriteBack.Call(start, ((offset + length + 511) & -512) - start);
            }
            memory.read(offset, shadow, (int) offset, (int) length);
        }

        @Override
        public void write(HostMemory m, long offset, long length) throws IOException {
            if (pending == null || pending.offset() != offset || pending.length() != length) {
                fail("write-back 0x" + Long.toHexString(offset) + "+0x" + Long.toHexString(length)
                        + " does not match the change " + pending);
            }
            pending = null;
            if (delegate != null) {
                delegate.write(m, offset, length);
            }
        }

        @Override
        public void flush() throws IOException {
            if (delegate != null) {
                delegate.flush();
            }
        }

        void compareAll() {
            memory.read(0, scratch, 0, scratch.length);
            if (!java.util.Arrays.equals(shadow, scratch)) {
                int at = java.util.Arrays.mismatch(shadow, scratch);
                fail("unreported change at 0x" + Integer.toHexString(at));
            }
        }

        void compareImage(BlockBackend backend) throws IOException {
            ByteBuffer image = ByteBuffer.allocate(shadow.length);
            backend.read(0, image);
            assertArrayEquals(shadow, image.array(), "the image holds exactly the reported changes");
        }
    }
}
