package dev.virtflash.hw.block.qcow2;

import static dev.virtflash.hw.block.qcow2.Fixtures.KIB;
import static dev.virtflash.hw.block.qcow2.Fixtures.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.image.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order of our updates (cluster contents, refcounts, L2 entry, L1 entry; new refcount blocks and tables before
 * the pointers to them) keeps an image consistent whenever the process dies: the file is cut off after the N-th
 * write for many N, and {@code qemu-img check} must then find no error (leaked clusters are allowed), every
 * operation before the interrupted one must be there, and no byte outside the interrupted operation may change.
 */
class Qcow2CrashTest {

    @TempDir
    Path dir;

    /** An operation of the scripted run. */
    private record Op(boolean zeroes, long offset, byte[] data) {
        long length() {
            return data.length;
        }
    }

    /** Lets a number of writes through, then fails every write as a dead process would leave the file. */
    private static final class DyingFile implements ImageFile {
        private final ImageFile file;
        private long writesLeft;
        private long writes;
        private long headerSwitch = -1;

        DyingFile(ImageFile file, long writesLeft) {
            this.file = file;
            this.writesLeft = writesLeft;
        }

        private void write() throws IOException {
            if (writesLeft-- <= 0) {
                throw new IOException("simulated crash");
            }
            writes++;
        }

        @Override
        public void writeFully(long offset, ByteBuffer src) throws IOException {
            write();
            if (offset == Qcow2Header.OFF_REFCOUNT_TABLE_OFFSET) {
                headerSwitch = writes;
            }
            file.writeFully(offset, src);
        }

        @Override
        public void setLength(long length) throws IOException {
            write();
            file.setLength(length);
        }

        @Override
        public void punchHole(long offset, long length) throws IOException {
            write();
            file.punchHole(offset, length);
        }

        @Override
        public Path path() {
            return file.path();
        }

        @Override
        public boolean readOnly() {
            return file.readOnly();
        }

        @Override
        public long length() throws IOException {
            return file.length();
        }

        @Override
        public void readFully(long offset, ByteBuffer dst) throws IOException {
            file.readFully(offset, dst);
        }

        @Override
        public long nextData(long offset) throws IOException {
            return file.nextData(offset);
        }

        @Override
        public long nextHole(long offset) throws IOException {
            return file.nextHole(offset);
        }

        @Override
        public long allocatedBytes() throws IOException {
            return file.allocatedBytes();
        }

        @Override
        public void flush() throws IOException {
            file.flush();
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }

    private static List<Op> script(int size, int clusterSize, long seed) {
        Random random = new Random(seed);
        List<Op> ops = new ArrayList<>();
        byte[] big = new byte[5 * MIB / 2]; // enough to make 64-bit refcounts in 512-byte blocks outgrow their table
        random.nextBytes(big);
        ops.add(new Op(false, 0, big));
        for (int i = 0; i < 40; i++) {
            int offset = random.nextInt(size);
            if (random.nextInt(3) == 0) {
                offset &= ~511;
                int length = Math.min(size - offset, (1 + random.nextInt(6)) * clusterSize);
                ops.add(new Op(true, offset, new byte[length]));
            } else {
                byte[] data = new byte[Math.min(size - offset, 1 + random.nextInt(3 * clusterSize))];
                random.nextBytes(data);
                ops.add(new Op(false, offset, data));
            }
        }
        return ops;
    }

    /** Runs the script on a copy of {@code base}, dying after {@code writes} writes; returns the op it died in. */
    private static int run(Path base, Path copy, List<Op> ops, long writes, long[] headerSwitch) throws IOException {
        Files.copy(base, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        DyingFile file = new DyingFile(ImageFile.open(copy, false), writes);
        int done = 0;
        try (BlockBackend b = Qcow2Backend.open(file, (p, f) -> Images.open(p, f, true))) {
            for (Op op : ops) {
                if (op.zeroes()) {
                    b.writeZeroes(op.offset(), op.length());
                } else {
                    b.write(op.offset(), ByteBuffer.wrap(op.data()));
                }
                done++;
            }
        } catch (IOException e) {
            if (!"simulated crash".equals(e.getMessage())) {
                throw e;
            }
        }
        headerSwitch[0] = file.headerSwitch;
        headerSwitch[1] = file.writes;
        return done;
    }

    @Test
    void anInterruptedRunLeavesNoErrors() throws IOException {
        Qemu q = new Qemu(dir);
        q.run("qemu-img", "create", "-f", "qcow2", "-o", "cluster_size=512,refcount_bits=64", "growth.qcow2", "4M");
        byte[] pattern = Fixtures.pattern(4 * MIB, 21);
        Fixtures.write(dir, "src.raw", pattern);
        q.run("qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=4k", "src.raw",
                "compressed.qcow2");
        for (String name : List.of("growth.qcow2", "compressed.qcow2")) {
            Path base = dir.resolve(name);
            byte[] initial = q.contents(base);
            int cluster = name.startsWith("growth") ? 512 : 4096;
            List<Op> ops = script(initial.length, cluster, name.length());
            long[] info = new long[2];
            assertEquals(ops.size(), run(base, dir.resolve("probe.qcow2"), ops, Long.MAX_VALUE, info));
            long total = info[1];
            TreeSet<Long> points = new TreeSet<>();
            Random random = new Random(77);
            for (int i = 0; i < 40; i++) {
                points.add(1 + (long) (random.nextDouble() * total));
            }
            if (info[0] > 0) { // around the switch to a larger refcount table
                for (long p = Math.max(1, info[0] - 12); p <= info[0] + 4; p++) {
                    points.add(p);
                }
            }
            assertTrue(name.startsWith("compressed") || info[0] > 0, "the growth run must move the refcount table");
            for (long point : points) {
                Path copy = dir.resolve("crash.qcow2");
                int done = run(base, copy, ops, point, info);
                assertConsistent(q, copy, initial, ops, done, name + " cut after write " + point + " of " + total);
            }
        }
    }

    private static void assertConsistent(Qemu q, Path image, byte[] initial, List<Op> ops, int done, String what)
            throws IOException {
        Qemu.Check check = q.check(image);
        assertEquals(0, check.corruptions(), what + ": " + check.messages());
        assertEquals(0, check.checkErrors(), what + ": " + check.messages());
        byte[] before = initial.clone();
        for (int i = 0; i < done; i++) {
            Op op = ops.get(i);
            System.arraycopy(op.data(), 0, before, (int) op.offset(), op.data().length);
        }
        byte[] actual = q.contents(image);
        if (done == ops.size()) {
            assertTrue(Arrays.equals(before, actual), what + ": contents after a complete run");
            return;
        }
        Op cut = ops.get(done);
        for (int i = 0; i < actual.length; i++) {
            boolean inside = i >= cut.offset() && i < cut.offset() + cut.length();
            if (actual[i] != before[i] && !(inside && actual[i] == cut.data()[(int) (i - cut.offset())])) {
                throw new AssertionError(what + ": byte " + i + " is " + actual[i] + ", expected " + before[i]
                        + (inside ? " or " + cut.data()[(int) (i - cut.offset())] : "") + " (op " + done + ")");
            }
        }
    }
}
