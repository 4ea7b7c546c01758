package dev.virtflash.hw.block;

import dev.virtflash.memory.HostMemory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The guest memory of read-only images, one copy per image for every board that uses this registry: the many boards
 * of a CI rig or a test class that boot the same firmware share what they only read.
 *
 * <ul>
 *   <li><b>A raw image</b> is not copied at all: the pages that hold data (the image's block status, and a zero check
 *   of what it reports as data, as {@link NonZeroReader} does) are the file's own pages, mapped read-only and private
 *   from the page cache ({@link HostMemory#mapFile}); so every board here, every process on the host and the kernel's
 *   cache share one copy of them. Pages without data stay untouched anonymous memory: a CPU binding maps them to its
 *   zero page, as for any bank. Zero pages of a fully allocated file are left out the same way (they are in the page
 *   cache, as after any read of the file, and in no process's memory).</li>
 *   <li><b>Any other format</b> (qcow2, with its backing chain) is decoded once through {@link NonZeroReader} into
 *   one anonymous memory that all boards here share.</li>
 * </ul>
 * Either way the memory is then {@link HostMemory#seal() sealed}: read-only for the kernel and for every caller.
 *
 * <p>An image is known by the identity (device, inode, modification time) of every file of its chain, its format
 * and its size: a file changed since becomes a new entry. The memory is reference-counted: every {@link #acquire}
 * returns a {@link Lease}, and the memory is unmapped when the last lease is closed. A file written by a program that
 * ignores the image locks while a lease is open shows through a raw mapping (as it would to QEMU's readers).
 *
 * <p>There is no global instance: whoever creates boards holds one (the app one per process, a test one per class)
 * and passes it to their builders; a board built without one gets a registry of its own (no sharing inside the
 * process, the page cache still shared for raw images). Thread-safe: boards are built on many threads at once; an
 * image is loaded once, under the registry's lock.
 */
public final class SharedImages {

    /** What an image's memory is known by: every file's identity, top first, the format and the size. */
    private record Key(List<FileIdentity> chain, String format, long size) {
    }

    private final Map<Key, Entry> entries = new HashMap<>();

    /** One image's memory and how many leases hold it. */
    private static final class Entry {
        final Key key;
        final HostMemory memory;
        final Path file;
        final boolean fileMapped;
        int leases;

        Entry(Key key, HostMemory memory, Path file, boolean fileMapped) {
            this.key = key;
            this.memory = memory;
            this.file = file;
            this.fileMapped = fileMapped;
        }
    }

    /**
     * A board's hold on the shared memory of one image; closing it (once; later closes do nothing) lets the memory go
     * with the last lease.
     */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        /** The image's contents, sealed: {@code size} bytes, read-only. */
        public HostMemory memory() {
            return entry.memory;
        }

        /** The image file the memory was made from (the top of its chain). */
        public Path file() {
            return entry.file;
        }

        /** Whether the memory's data pages are the file's own page-cache pages (raw), rather than a decoded copy. */
        public boolean fileMapped() {
            return entry.fileMapped;
        }

        @Override
        public void close() {
            synchronized (SharedImages.this) {
                if (closed) {
                    return;
                }
                closed = true;
                release(entry);
            }
        }
    }

    /**
     * The memory of {@code backend}'s contents, {@code size} bytes (at least the image's), shared with every other
     * lease of the same image and version. The backend is only read here and may be closed once this returns.
     *
     * @param name for the memory's messages when it is made, e.g. {@code virt.flash0}
     * @throws IOException if the image cannot be read
     * @throws IllegalArgumentException if the image is larger than {@code size}
     */
    public synchronized Lease acquire(BlockBackend backend, String name, long size) throws IOException {
        Objects.requireNonNull(backend, "backend");
        if (backend.size() > size) {
            throw new IllegalArgumentException(backend.path() + ": image of " + backend.size() + " bytes does not fit "
                    + size + " bytes of '" + name + "'");
        }
        Key key = key(backend, size);
        Entry entry = key == null ? null : entries.get(key);
        if (entry == null) {
            entry = load(key, backend, name, size);
            if (key != null) {
                entries.put(key, entry);
            }
        }
        entry.leases++;
        return new Lease(entry);
    }

    /** How many images this registry holds memory for now. */
    public synchronized int images() {
        return entries.size();
    }

    private void release(Entry entry) {
        if (--entry.leases > 0) {
            return;
        }
        if (entry.key != null) {
            entries.remove(entry.key);
        }
        entry.memory.close();
    }

    /** The image's key, or {@code null} if some file of its chain cannot say which it is (then nothing is shared). */
    private static Key key(BlockBackend backend, long size) throws IOException {
        List<FileIdentity> chain = new ArrayList<>();
        for (BlockBackend b = backend; b != null; b = b.backing()) {
            FileIdentity id = b.identity();
            if (id == null) {
                return null;
            }
            chain.add(id);
        }
        return new Key(List.copyOf(chain), backend.format(), size);
    }

    private static Entry load(Key key, BlockBackend backend, String name, long size) throws IOException {
        HostMemory memory = HostMemory.allocate(name, size);
        try {
            ImageFile file = backend.identityMappedFile();
            boolean mapped = file != null && file.descriptor() >= 0 && file.length() == backend.size()
                    && backend.size() % NonZeroReader.PAGE == 0;
            if (mapped) {
                int fd = file.descriptor();
                NonZeroReader.findNonZeroRuns(backend, (offset, length) -> memory.mapFile(offset, length, fd));
            } else {
                NonZeroReader.load(backend, memory);
            }
            memory.seal();
            return new Entry(key, memory, backend.path(), mapped);
        } catch (IOException | RuntimeException e) {
            memory.close();
            throw e;
        }
    }
}
