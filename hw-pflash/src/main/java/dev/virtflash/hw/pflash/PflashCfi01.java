package dev.virtflash.hw.pflash;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ImageFormatException;
import dev.virtflash.hw.block.image.Images;
import dev.virtflash.hw.block.NonZeroReader;
import dev.virtflash.hw.block.RomBlob;
import dev.virtflash.hw.block.SharedImages;
import dev.virtflash.hw.block.WriteBack;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.RomDeviceRegion;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CFI parallel NOR flash bank with the Intel/Sharp command set, behaving like QEMU's {@code cfi.pflash01} as the
 * arm {@code virt} board configures it (spec {@code cfi01-spec.md} §1).
 *
 * <p><b>Not emulated</b> (as in QEMU): erase and program suspend/resume (0xB0, and 0xD0 with nothing pending, are
 * unimplemented sequences); lock, unlock and lock-down state (0x60 0x01 and 0x60 0xD0 only set SR.7, the lock status
 * in ID mode always reads 0, 0x60 0x2F returns to read-array); the configuration register (0x60 0x03); OTP and
 * protection registers (0xC0; ID reads past index 1 return 0); buffered enhanced factory programming (0x80); 0xE9;
 * chip erase and multi-block erase; timing of any kind (every operation completes before the next bus cycle, SR.7
 * never reads 0 while "busy"); big-endian banks;
 * QEMU's {@code old-multiple-chip-handling}; the {@code secure} feature bit (the board places secure banks); migration.
 *
 * <p><b>What it does.</b> The bank owns its array, a {@link HostMemory} of {@code sectorLength * numBlocks} bytes,
 * filled at {@link Builder#build()} from the image through {@link NonZeroReader} (zero runs cost nothing), or all
 * zero without an image. It exposes a {@link RomDeviceRegion} ({@link #region()}): in read-array mode reads come
 * straight from the array; every write, and every read in a command mode, goes to the model. The model flips the
 * region's {@code romd} flag on every transition into or out of read-array ({@code romd == (state() ==
 * READ_ARRAY)}), and reports every host-side change of the array with
 * {@link RomDeviceRegion#contentChanged(long, long)} so that a CPU binding can drop translated code.
 *
 * <p>The state machine ({@link WriteState}, commands in {@link Cfi01Commands}, status bits in
 * {@link StatusRegister}) follows spec §1.4 to the letter, quirks included: erase happens at 0x20, CFI mode is sticky,
 * the command is the low byte of any write, the buffered-program window is chosen by the first data cycle (QEMU's
 * 2024 fix). Where QEMU 7.2 is wrong against real parts, the bank's {@link FlashSemantics} chooses
 * ({@link Builder#semantics}): by default programming ANDs into the array and 0x50 keeps SR.7, as real NOR does;
 * {@link FlashSemantics#QEMU_7_2} gives QEMU's overwrite and its 0x50 that clears SR.7 too. Accesses are split into QEMU's bus cycles (8 bytes are two 4-byte cycles, lower
 * address first; unaligned accesses become aligned pieces) by the region's handler.
 *
 * <p><b>Read-only banks share.</b> A read-only bank with an image ({@code readonly=on}) copies nothing: its array
 * is the image's memory in a {@link SharedImages} registry (the file's own pages for a raw image, one decoded copy
 * for qcow2), sealed read-only and shared with every other bank of the registry that reads the same image. It still
 * answers every CFI command; erase and program fail as below and never write.
 *
 * <p><b>Persistence.</b> Erase, word program and buffered program write the changed range back synchronously
 * through a {@link WriteBack} with QEMU's granularity (erase block; 512-byte sectors; the 4 KiB window). A failed
 * write-back is logged at WARN and sets no status bit. A read-only bank (read-only image, or
 * {@link Builder#readOnly(boolean)}) answers erase with SR.5|SR.7 and program with SR.4|SR.7, and changes nothing;
 * it ends in status mode (a refused buffered program too, unless {@link FlashSemantics#QEMU_7_2}). A
 * bank without an image is writable RAM and is never persisted.
 *
 * <p><b>Ownership.</b> The bank owns its {@link HostMemory} (a read-only bank with an image: its lease on it). It does <em>not</em> own the {@link BlockBackend}
 * unless {@link Builder#closeBackend(boolean)} says so: by default the board opened the image and closes it after
 * closing the bank. {@link #close()} flushes the write-back and unmaps the memory (then closes the backend if owned).
 *
 * <p>Not thread-safe: one CPU thread drives a bank at a time. Guest mistakes never throw; they are logged (WARN,
 * rate-limited per bank) and leave a defined state.
 *
 * <p>Size: about 475 lines, over the project's 400: mostly the builder's validation, the list above of what is not
 * emulated, and owning either its memory or a lease on a shared image's; the command engine, the query tables, the
 * bus and the store are classes of their own.
 */
public final class PflashCfi01 implements AutoCloseable {

    /** QEMU's device type name, used in messages. */
    public static final String TYPE = "cfi.pflash01";

    /** The {@code virt} board's erase block (spec §1.1). */
    public static final long VIRT_SECTOR_LENGTH = 256 * 1024;
    /** The {@code virt} board's blocks per bank (spec §1.1). */
    public static final int VIRT_NUM_BLOCKS = 256;
    /** The size of a {@code virt} bank, 64 MiB: the one definition every image, map row and test uses. */
    public static final long VIRT_BANK_SIZE = VIRT_SECTOR_LENGTH * VIRT_NUM_BLOCKS;

    private static final Logger LOG = LoggerFactory.getLogger(PflashCfi01.class);

    private final String name;
    private final Geometry geometry;
    private final CfiQueryTable cfiTable;
    private final HostMemory storage;
    /** The {@code -bios} file the bank reads, mapped copy-on-write (owned by the board), or null. */
    private RomBlob rom;
    /** The lease on a read-only image's shared memory, or null when the bank owns {@link #storage}. */
    private final SharedImages.Lease shared;
    private final BlockBackend backend;
    private final boolean closeBackend;
    private final FlashStore store;
    private final CommandEngine engine;
    private final RomDeviceRegion region;
    private boolean closed;

    private PflashCfi01(String name, Geometry geometry, HostMemory storage, SharedImages.Lease shared,
                        BlockBackend backend, boolean closeBackend, WriteBack writeBack, boolean readOnly,
                        FlashSemantics semantics) {
        this.name = name;
        this.geometry = geometry;
        this.cfiTable = CfiQueryTable.derive(geometry);
        this.storage = storage;
        this.shared = shared;
        this.backend = backend;
        this.closeBackend = closeBackend;
        this.store = new FlashStore(name, backend == null ? null : backend.path().toString(), storage, writeBack,
                (offset, length) -> region().contentChanged(offset, length));
        this.engine = new CommandEngine(name, geometry, store, new QueryReads(geometry, cfiTable), readOnly,
                semantics, romd -> region().setRomd(romd));
        this.region = new RomDeviceRegion(name, storage, new PflashBus(name, engine, geometry.size()));
    }

    /**
     * A builder with QEMU's defaults (legacy device width 0, ids 0) and real NOR semantics; name, sector length, block
     * count and width are required.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The {@code virt} board's bank (spec §1.1): 256 blocks of 256 KiB (64 MiB), bank width 4, two x16 chips
     * (device width 2), ids 0x89 0x18 0x00 0x00. Add the backend (or none) and build.
     */
    public static Builder virtBank(String name) {
        return new Builder().name(name).sectorLength(VIRT_SECTOR_LENGTH).numBlocks(VIRT_NUM_BLOCKS)
                .bankWidth(4).deviceWidth(2).ids(0x89, 0x18, 0x00, 0x00);
    }

    /** The name given at build, e.g. {@code virt.flash0}. */
    public String name() {
        return name;
    }

    public Geometry geometry() {
        return geometry;
    }

    /** The CFI query table derived from the geometry. */
    public CfiQueryTable cfiTable() {
        return cfiTable;
    }

    /** The ROM-device region to place in an address space. Its memory is this bank's array. */
    public RomDeviceRegion region() {
        return region;
    }

    /** The image behind the bank, or {@code null} for a bank without one. */
    public BlockBackend backend() {
        return backend;
    }

    /** Whether erase and program are refused (SR.5/SR.4). */
    public boolean readOnly() {
        return engine.readOnly();
    }

    /** Real NOR (the default) or QEMU 7.2's program and clear-status behaviour. */
    public FlashSemantics semantics() {
        return engine.semantics();
    }

    /**
     * The image file whose shared, read-only memory this bank reads (a read-only bank with an image, see
     * {@link SharedImages}), or {@code null} when the bank owns its memory.
     */
    public Path sharedImage() {
        return shared != null ? shared.file() : rom != null ? rom.file() : null;
    }

    /**
     * Whether the bank's memory is a read-only image's, shared and owned by no board ({@link SharedImages}), rather
     * than its own (which may still share a {@code -bios} file's pages until the guest writes them).
     */
    public boolean leased() {
        return shared != null;
    }

    /**
     * Whether the bank's data pages are a file's own page-cache pages: a read-only raw image, or a {@code -bios} file
     * (until the guest writes them).
     */
    public boolean fileMapped() {
        return shared != null ? shared.fileMapped() : rom != null;
    }

    /** Whether changes are written back to an image. */
    public boolean persistent() {
        return store.persistent();
    }

    /**
     * How many write-backs to the image failed since the bank was built (each was logged at WARN, rate-limited); the
     * image misses those changes while the guest still sees them.
     */
    public long writeBackFailures() {
        return store.writeBackFailures();
    }

    /** The host's reason for the last failed write-back, e.g. {@code No space left on device}; {@code null} if none. */
    public String lastWriteBackError() {
        return store.lastWriteBackError();
    }

    /** The current state of the write state machine. */
    public WriteState state() {
        return engine.state();
    }

    /** QEMU's {@code cmd} byte for the current state (0x00 in read-array), for diagnostics. */
    public int command() {
        return engine.command();
    }

    /** The status register (8 bits). */
    public int status() {
        return engine.status();
    }

    /** The base of the open write-buffer window, or -1 when no buffer is open. */
    public long bufferWindow() {
        return engine.bufferOffset();
    }

    /**
     * System reset (spec §1.2): status 0x80, read-array ({@code romd} true), any open write buffer dropped. The array
     * is kept; a board that loaded a {@code -bios} blob copies it again with {@link #loadBlob(byte[])}.
     */
    public void reset() {
        checkOpen();
        engine.reset();
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: reset", name);
        }
    }

    /**
     * Copies a ROM blob (QEMU's {@code -bios}) to offset 0 of a bank without an image; the rest of the array is
     * untouched. The change is reported to the region's listeners and not persisted. QEMU copies the blob again on
     * every system reset, so a board calls this after {@link #reset()}.
     *
     * @throws IllegalStateException if the bank has an image (QEMU refuses {@code -bios} with a pflash0 drive)
     * @throws IllegalArgumentException if the blob is larger than the bank
     */
    public void loadBlob(byte[] blob) {
        Objects.requireNonNull(blob, "blob");
        checkBlobBank();
        if (blob.length > geometry.size()) {
            throw new IllegalArgumentException("ROM blob of " + blob.length + " bytes does not fit pflash '" + name
                    + "' of " + geometry.size() + " bytes");
        }
        store.copyBlob(blob);
        rom = null;
    }

    /**
     * As {@link #loadBlob(byte[])} for a blob file, without copying it: its data pages are the file's page-cache pages,
     * mapped copy-on-write ({@link RomBlob#loadInto}), shared with every board that loads the same file until the
     * guest changes one. The bank reads the blob from then on (a system reset calls this again); it does not own it.
     *
     * @throws IllegalStateException if the bank has an image
     * @throws IllegalArgumentException if the blob is larger than the bank
     */
    public void loadBlob(RomBlob blob) {
        Objects.requireNonNull(blob, "blob");
        checkBlobBank();
        store.mapBlob(blob);
        rom = blob;
    }

    /** A ROM blob goes only into an open bank without an image (QEMU refuses {@code -bios} with a pflash0 drive). */
    private void checkBlobBank() {
        checkOpen();
        if (backend != null) {
            throw new IllegalStateException("pflash '" + name + "' has the image " + backend.path()
                    + "; a ROM blob can only be loaded into a bank without an image");
        }
    }

    /**
     * Flushes the write-back, unmaps the array, and closes the backend if the bank owns it. Idempotent. The memory
     * is unmapped even if the flush fails; the flush error is then thrown.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            store.flush();
        } catch (IOException e) {
            failure = e;
        } finally {
            if (shared != null) {
                shared.close();
            } else {
                storage.close();
            }
        }
        if (closeBackend && backend != null) {
            try {
                backend.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "PflashCfi01[" + name + ", " + geometry.size() + " bytes, " + engine.state()
                + (backend == null ? ", no image" : ", " + backend.path()) + (readOnly() ? ", read-only" : "") + ", "
                + semantics().spelling() + "]";
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("pflash '" + name + "' is closed");
        }
    }

    /**
     * Configures a bank. Defaults are QEMU's: device width 0 (legacy), max device width = device width, ids 0,
     * little-endian, writable, no image. Geometry is validated at {@link #build()}.
     */
    public static final class Builder {
        private String name;
        private long sectorLength;
        private int numBlocks;
        private int bankWidth;
        private int deviceWidth;
        private int maxDeviceWidth;
        private int id0;
        private int id1;
        private int id2;
        private int id3;
        private boolean bigEndian;
        private boolean readOnly;
        private BlockBackend backend;
        private boolean closeBackend;
        private WriteBack writeBack;
        private FlashSemantics semantics = FlashSemantics.REAL_NOR;
        private SharedImages sharedImages;

        private Builder() {
        }

        /** The region's name, e.g. {@code virt.flash0}. Required. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** QEMU's {@code sector-length}: the erase block on the bus, a power of two. Required. */
        public Builder sectorLength(long sectorLength) {
            this.sectorLength = sectorLength;
            return this;
        }

        /** QEMU's {@code num-blocks}. Required. */
        public Builder numBlocks(int numBlocks) {
            this.numBlocks = numBlocks;
            return this;
        }

        /** QEMU's {@code width}: 1, 2 or 4 bytes. Required. */
        public Builder bankWidth(int bankWidth) {
            this.bankWidth = bankWidth;
            return this;
        }

        /** QEMU's {@code device-width}: 0 (legacy, the default), 1, 2 or 4. */
        public Builder deviceWidth(int deviceWidth) {
            this.deviceWidth = deviceWidth;
            return this;
        }

        /** QEMU's {@code max-device-width}; 0 (the default) means equal to the device width. */
        public Builder maxDeviceWidth(int maxDeviceWidth) {
            this.maxDeviceWidth = maxDeviceWidth;
            return this;
        }

        /** QEMU's {@code id0} to {@code id3} (16 bits each; id2 and id3 are used in legacy mode only). */
        public Builder ids(int id0, int id1, int id2, int id3) {
            this.id0 = id0;
            this.id1 = id1;
            this.id2 = id2;
            this.id3 = id3;
            return this;
        }

        /** QEMU's {@code big-endian}; only {@code false} is supported, {@code true} is refused at build. */
        public Builder bigEndian(boolean bigEndian) {
            this.bigEndian = bigEndian;
            return this;
        }

        /**
         * {@link FlashSemantics#REAL_NOR} (the default: program ANDs, 0x50 keeps SR.7) or
         * {@link FlashSemantics#QEMU_7_2} (program overwrites, 0x50 clears SR.7 too).
         */
        public Builder semantics(FlashSemantics semantics) {
            this.semantics = Objects.requireNonNull(semantics, "semantics");
            return this;
        }

        /**
         * Refuses erase and program (SR.5/SR.4). A read-only image makes the bank read-only whatever this says.
         */
        public Builder readOnly(boolean readOnly) {
            this.readOnly = readOnly;
            return this;
        }

        /**
         * The image behind the bank, or {@code null} (the default) for a bank of writable RAM that is never
         * persisted. Its size must be exactly the bank's size. Not closed by the bank unless
         * {@link #closeBackend(boolean)}.
         */
        public Builder backend(BlockBackend backend) {
            this.backend = backend;
            return this;
        }

        /** Whether {@link PflashCfi01#close()} also closes the backend (default {@code false}: the board owns it). */
        public Builder closeBackend(boolean closeBackend) {
            this.closeBackend = closeBackend;
            return this;
        }

        /**
         * Where changes are written back. Default: {@code WriteBack.to(backend)} with a backend, none without. Given
         * explicitly (e.g. a recording write-back in tests), it is used even without a backend.
         */
        public Builder writeBack(WriteBack writeBack) {
            this.writeBack = writeBack;
            return this;
        }

        /**
         * Where a read-only bank with an image gets its memory, shared with the registry's other banks reading the
         * same image (see {@link SharedImages}). Default: a registry of its own (nothing shared inside the process;
         * a raw image's pages are still the page cache's).
         */
        public Builder sharedImages(SharedImages images) {
            this.sharedImages = images;
            return this;
        }

        /**
         * Validates the configuration, maps the array and loads the image. If it throws, nothing is left mapped and
         * the backend (never closed here, whatever {@link #closeBackend(boolean)} says) is still the caller's.
         *
         * @throws IllegalArgumentException for a bad geometry, a missing name, or big-endian
         * @throws ImageFormatException if the image is not exactly the bank's size (naming the file)
         * @throws IOException if the image cannot be read
         */
        public PflashCfi01 build() throws IOException {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("pflash: name is required");
            }
            if (bigEndian) {
                throw new IllegalArgumentException("pflash '" + name + "': big-endian is not supported, expected off");
            }
            Geometry geometry = Geometry.of(name, sectorLength, numBlocks, bankWidth, deviceWidth, maxDeviceWidth,
                    id0, id1, id2, id3);
            if (backend != null) {
                // QEMU's message shape (spec §2.1), naming the file: "vars.img: cfi.pflash01 device 'virt.flash1'
                // requires 67108864 bytes, the image provides 786432 bytes".
                Images.requireSize(backend, geometry.size(), TYPE, name);
            }
            boolean ro = readOnly || (backend != null && backend.readOnly());
            WriteBack wb = writeBack != null ? writeBack : backend != null ? WriteBack.to(backend) : null;
            SharedImages.Lease shared = ro && backend != null ? lease(geometry) : null;
            HostMemory storage = shared != null ? shared.memory() : HostMemory.allocate(name, geometry.size());
            try {
                if (backend != null && shared == null) {
                    load(geometry, storage);
                }
                PflashCfi01 bank = new PflashCfi01(name, geometry, storage, shared, backend, closeBackend, wb, ro,
                        semantics);
                if (LOG.isDebugEnabled()) {
                    LOG.debug("{}: built {}", name, bank);
                }
                return bank;
            } catch (IOException | RuntimeException e) {
                if (shared != null) {
                    shared.close();
                } else {
                    storage.close();
                }
                throw e;
            }
        }

        private SharedImages.Lease lease(Geometry geometry) throws IOException {
            SharedImages images = sharedImages != null ? sharedImages : new SharedImages();
            try {
                return images.acquire(backend, name, geometry.size());
            } catch (ImageFormatException e) {
                throw e;
            } catch (IOException e) {
                throw new IOException(backend.path() + ": cannot read the image for " + TYPE + " device '" + name
                        + "' (" + geometry.size() + " bytes): " + e.getMessage(), e);
            }
        }

        private void load(Geometry geometry, HostMemory storage) throws IOException {
            try {
                NonZeroReader.Stats stats = NonZeroReader.load(backend, storage);
                if (LOG.isDebugEnabled()) {
                    LOG.debug("{}: loaded {}: {} bytes read, {} pages copied, {} bytes skipped as zero", name,
                            backend.path(), stats.bytesRead(), stats.pagesCopied(), stats.bytesSkipped());
                }
            } catch (ImageFormatException e) {
                throw e;
            } catch (IOException e) {
                throw new IOException(backend.path() + ": cannot read the image for " + TYPE + " device '" + name
                        + "' (" + geometry.size() + " bytes): " + e.getMessage(), e);
            }
        }
    }
}
