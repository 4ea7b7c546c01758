package dev.virtflash.guesttests.reliability;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small file system mounted for one test: a tmpfs of the given size, or, where tmpfs cannot be mounted, a
 * loop-mounted ext4 file. Needs root (the suite runs as root). {@link #close()} unmounts it.
 */
final class SmallFileSystem implements AutoCloseable {

    private final Path mountPoint;
    private final String kind;

    private SmallFileSystem(Path mountPoint, String kind) {
        this.mountPoint = mountPoint;
        this.kind = kind;
    }

    /** Mounts a file system of {@code kib} KiB at {@code dir/mnt}. */
    static SmallFileSystem mount(Path dir, int kib) throws IOException, InterruptedException {
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        String tmpfs = run(List.of("mount", "-t", "tmpfs", "-o", "size=" + kib + "k", "tmpfs", mnt.toString()));
        if (tmpfs == null) {
            return new SmallFileSystem(mnt, "tmpfs");
        }
        Path file = dir.resolve("fs.ext4");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(Math.max(kib, 2048) * 1024L);
        }
        String mkfs = run(List.of("mkfs.ext4", "-q", "-F", file.toString()));
        String loop = mkfs != null ? mkfs : run(List.of("mount", "-o", "loop", file.toString(), mnt.toString()));
        if (loop != null) {
            throw new IOException("cannot mount a small file system at " + mnt + ": tmpfs: " + tmpfs + "; ext4: "
                    + loop);
        }
        return new SmallFileSystem(mnt, "ext4");
    }

    Path root() {
        return mountPoint;
    }

    String kind() {
        return kind;
    }

    /**
     * Fills the file system with file {@code filler} until the next write fails, then gives back {@code freeKib} KiB:
     * afterwards about that much can be allocated.
     */
    void fillLeaving(int freeKib) throws IOException {
        Path filler = mountPoint.resolve("filler");
        byte[] block = new byte[4096];
        java.util.Arrays.fill(block, (byte) 0x5A);
        long written = 0;
        try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
            while (true) {
                try {
                    f.write(block);
                    written += block.length;
                } catch (IOException e) {
                    break;                  // No space left on device: full
                }
            }
            f.setLength(Math.max(0, written - freeKib * 1024L));
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        String err = run(List.of("umount", mountPoint.toString()));
        if (err != null) {
            throw new IOException("umount " + mountPoint + ": " + err);
        }
    }

    /** Runs a command; null on success, else its exit code and output. */
    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "did not finish in 30 s";
        }
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    }
}
