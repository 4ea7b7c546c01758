package dev.virtflash.virt;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.RomBlob;
import dev.virtflash.hw.block.SharedImages;
import dev.virtflash.hw.pflash.FlashSemantics;
import dev.virtflash.hw.pflash.PflashCfi01;
import dev.virtflash.memory.AddressSpace;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.PageMerger;
import dev.virtflash.memory.ResourceStack;
import dev.virtflash.memory.SharedPages;
import dev.virtflash.virt.cpu.CpuExit;
import dev.virtflash.virt.cpu.Housekeeping;
import dev.virtflash.virt.cpu.UnicornCpu;
import dev.virtflash.virt.devices.ConsoleSink;
import dev.virtflash.virt.devices.ConsoleSource;
import dev.virtflash.virt.devices.Pl011;
import dev.virtflash.virt.devices.gic.GicV2;
import dev.virtflash.virt.devices.rtc.Pl031;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QEMU's arm {@code virt} board, as far as its flash subsystem and its firmware need: two CFI01 flash banks at 0x0
 * and 0x0400_0000 ({@link VirtMemoryMap#FLASH0}, {@link VirtMemoryMap#FLASH1}), RAM at 0x4000_0000 with the
 * generated device tree at its start (as QEMU places it for firmware boot), a GICv2 (distributor at 0x0800_0000, CPU
 * interface at 0x0801_0000), a PL011 UART (SPI 1), a PL031 RTC (SPI 2), and one Cortex-A57 run by Unicorn, starting at
 * 0x0, whose EL1 generic timers drive PPIs 30 and 27 and whose IRQ input is the GIC's. Built with a {@link Builder};
 * everything it opens it owns and closes in reverse order.
 *
 * <p>Not emulated (absent from the map and the device tree): the GICv2m MSI frame, fw_cfg, GPIO, virtio-mmio,
 * PCIe, the PMU, secure world, more than one CPU, KVM.
 *
 * <p>{@link #run(Duration)} handles a guest's PSCI {@code SYSTEM_RESET} in place, as QEMU does: the CPU returns to its
 * power-on state, the banks to read-array (their contents kept), a {@code -bios} blob and the device tree are copied
 * again, RAM is otherwise kept.
 */
public final class VirtMachine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VirtMachine.class);
    /** The largest translation buffer: 1 GiB, Unicorn's own default. */
    public static final int MAX_TRANSLATION_BUFFER_MIB = 1024;

    private final ResourceStack owned;
    private final PflashCfi01[] flash;
    private final BlockBackend[] images;
    private final HostMemory ram;
    private final Pl011 uart;
    private final BoardInterrupts interrupts;
    private final Pl031 rtc;
    /** The device tree without its trailing zeros (QEMU's blob is a 1 MiB buffer, mostly free space). */
    private final byte[] deviceTree;
    /** The blob's full length, {@code totalsize}: what the guest sees at the tree's address. */
    private final int deviceTreeSize;
    /** Loads the {@code -bios} blob into bank 0 (at build and on every reset), or null. */
    private final Consumer<PflashCfi01> bios;
    /** A {@code -kernel} boot and where its parts are, or null (firmware boot). */
    private final KernelBoot kernel;
    private final KernelBoot.Layout layout;
    private final boolean noReboot;
    private final AddressSpace space;
    private final UnicornCpu cpu;
    /** Merges RAM between runs of the guest, or null ({@code mem-merge=off}). */
    private final PageMerger merger;
    private int resets;
    private boolean closed;
    /** Set by {@link #requestStop()} from any thread; ends {@link #run} also between two CPU runs (a reset). */
    private volatile boolean stopRequested;

    private VirtMachine(ResourceStack owned, PflashCfi01[] flash, BlockBackend[] images, HostMemory ram,
                        Pl011 uart, BoardInterrupts interrupts, Pl031 rtc, byte[] deviceTree,
                        Consumer<PflashCfi01> bios, KernelBoot kernel, KernelBoot.Layout layout, boolean noReboot,
                        AddressSpace space, UnicornCpu cpu, PageMerger merger) {
        this.owned = owned;
        this.flash = flash;
        this.images = images;
        this.ram = ram;
        this.uart = uart;
        this.interrupts = interrupts;
        this.rtc = rtc;
        this.deviceTree = withoutTrailingZeros(deviceTree);
        this.deviceTreeSize = deviceTree.length;
        this.bios = bios;
        this.kernel = kernel;
        this.layout = layout;
        this.noReboot = noReboot;
        this.space = space;
        this.cpu = cpu;
        this.merger = merger;
    }

    private static void logMerge(PageMerger.Result r, long nanos) {
        if (r != null) {
            LOG.debug("RAM merged: {} pages into the shared pool, {} zero pages given back, {} pages read, {} us",
                    r.pagesMerged(), r.zeroPagesGiven(), r.pagesRead(), nanos / 1000);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the guest until it exits (semihosting, PSCI {@code SYSTEM_OFF}), faults, or {@code limit} passes;
     * resets requested by the guest are carried out and the run goes on.
     *
     * @param limit wall-clock limit for the whole run, or {@code null} for none
     */
    public CpuExit run(Duration limit) {
        checkOpen();
        long deadline = limit == null ? 0 : System.nanoTime() + limit.toNanos();
        while (true) {
            if (stopRequested) {
                stopRequested = false;
                return new CpuExit.Stopped(cpu.pc());
            }
            Duration left = limit == null ? null : Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            CpuExit exit = cpu.run(left);
            if (exit instanceof CpuExit.Stopped) {
                stopRequested = false;
            }
            if (!(exit instanceof CpuExit.Reset) || noReboot) {
                if (exit instanceof CpuExit.Timeout) {
                    return new CpuExit.Timeout(((CpuExit.Timeout) exit).pc(), limit);
                }
                return exit;
            }
            LOG.debug("guest reset #{}", resets + 1);
            reset();
        }
    }

    /**
     * Asks {@link #run} to return {@link CpuExit.Stopped} soon: at the CPU's next block boundary, or before the next
     * CPU run if the machine is between two (handling a reset). Safe from any thread. A request that arrives just as
     * the CPU starts a run can be missed by the CPU (it clears requests when it starts): a caller waiting for the run
     * to end repeats the request until it does. A request made while nothing runs ends the next {@link #run} at once.
     */
    public void requestStop() {
        stopRequested = true;
        cpu.requestStop();
    }

    /**
     * A system reset, as QEMU's: CPU, banks, UART, GIC and timers to their reset state; ROM blobs copied again. The
     * RTC keeps its time (QEMU's PL031 has no reset either).
     */
    public void reset() {
        checkOpen();
        resets++;
        cpu.reset();
        interrupts.reset();
        for (PflashCfi01 bank : flash) {
            bank.reset();
        }
        if (bios != null) {
            bios.accept(flash[0]);
        }
        loadRam(ram, deviceTree, deviceTreeSize, kernel, layout);
        if (kernel != null) {
            startKernel(cpu, layout);
        }
        uart.reset();
    }

    /**
     * The device tree, and a {@code -kernel} boot's kernel and initrd, into RAM (at build and on every reset). The
     * tree's {@code size} bytes are its bytes followed by zeros: the zeros go in as pages given back to the kernel
     * ({@link HostMemory#discard}), so the free space of the 1 MiB blob costs no memory on any board.
     */
    private static void loadRam(HostMemory ram, byte[] deviceTree, int size, KernelBoot kernel,
                                KernelBoot.Layout layout) {
        long base = VirtMemoryMap.RAM.base();
        if (kernel == null) {
            loadDeviceTree(ram, VirtDeviceTree.LOAD_ADDRESS - base, deviceTree, size);
            return;
        }
        kernel.load(ram, base, layout);
        loadDeviceTree(ram, layout.deviceTree() - base, deviceTree, size);
    }

    private static void loadDeviceTree(HostMemory ram, long offset, byte[] tree, int size) {
        ram.discard(offset + tree.length, size - tree.length); // zeros: whole pages given back, edges zeroed
        ram.write(offset, tree, 0, tree.length);
    }

    private static byte[] withoutTrailingZeros(byte[] blob) {
        int end = blob.length;
        while (end > 0 && blob[end - 1] == 0) {
            end--;
        }
        return Arrays.copyOf(blob, end);
    }

    /** QEMU's boot stub for an AArch64 kernel: x0 = the device tree, x1..x3 = 0, PC = the kernel, at EL1h. */
    private static void startKernel(UnicornCpu cpu, KernelBoot.Layout layout) {
        cpu.x(0, layout.deviceTree());
        for (int n = 1; n <= 3; n++) {
            cpu.x(n, 0);
        }
        cpu.pc(layout.kernel());
    }

    /** How many resets happened (guest-requested or {@link #reset()}). */
    public int resets() {
        return resets;
    }

    /** Flash bank 0 or 1. */
    public PflashCfi01 flash(int unit) {
        Objects.checkIndex(unit, flash.length);
        return flash[unit];
    }

    /** The image behind bank {@code unit}, or {@code null} for a bank without one. */
    public BlockBackend image(int unit) {
        Objects.checkIndex(unit, images.length);
        return images[unit];
    }

    /** The merging of this machine's RAM (see {@link Builder#memMerge}), or empty with {@code mem-merge=off}. */
    public Optional<PageMerger> pageMerger() {
        return Optional.ofNullable(merger);
    }

    public HostMemory ram() {
        return ram;
    }

    public AddressSpace addressSpace() {
        return space;
    }

    public UnicornCpu cpu() {
        return cpu;
    }

    /** The interrupt controller. */
    public GicV2 gic() {
        return interrupts.gic();
    }

    /** The real-time clock. */
    public Pl031 rtc() {
        return rtc;
    }

    /** The device tree placed at the start of RAM. */
    public byte[] deviceTree() {
        return Arrays.copyOf(deviceTree, deviceTreeSize);
    }

    /** Closes the CPU, then RAM, the banks (flushing their write-back) and the images, in reverse order of creation. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        owned.close();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("machine is closed");
        }
    }

    /** Configures a machine; {@link #build()} opens the images and assembles it. */
    public static final class Builder {
        private long ramSize = 128L << 20;
        private final Path[] imageFiles = new Path[2];
        private final String[] imageFormats = new String[2];
        private final boolean[] imageReadOnly = new boolean[2];
        private FlashSemantics flashSemantics = FlashSemantics.REAL_NOR;
        private byte[] bios;
        private Path biosFile;
        private KernelBoot kernel;
        private boolean noReboot;
        private ConsoleSink console = b -> { };
        private ConsoleSource input = ConsoleSource.none();
        private RandomGenerator random;
        /** 0 until {@link #translationBufferMiB(int)} sets it: then the default of the boot. */
        private int translationBufferMiB;
        private SharedImages sharedImages;
        private boolean memMerge = true;
        private SharedPages sharedPages;

        private Builder() {
        }

        /** RAM size in bytes (default 128 MiB). */
        public Builder ramSize(long bytes) {
            if (bytes <= 0 || bytes % 4096 != 0) {
                throw new IllegalArgumentException("RAM size " + bytes + ", expected a positive multiple of 4096");
            }
            this.ramSize = bytes;
            return this;
        }

        /** The image of bank {@code unit} (0 or 1); {@code format} null to detect it. */
        public Builder flashImage(int unit, Path file, String format, boolean readOnly) {
            Objects.checkIndex(unit, 2);
            imageFiles[unit] = Objects.requireNonNull(file, "file");
            imageFormats[unit] = format;
            imageReadOnly[unit] = readOnly;
            return this;
        }

        /**
         * How both flash banks program and clear status: {@link FlashSemantics#REAL_NOR} (the default: programming
         * ANDs into the array, 0x50 keeps SR.7, as Intel/Sharp parts do) or {@link FlashSemantics#QEMU_7_2} (QEMU's
         * overwrite, and its 0x50 that clears SR.7 too), for bit-exact comparisons with {@code qemu-system-aarch64}.
         * The command line's {@code -M virt,flash-semantics=real-nor|qemu-7.2}.
         */
        public Builder flashSemantics(FlashSemantics semantics) {
            this.flashSemantics = Objects.requireNonNull(semantics, "semantics");
            return this;
        }

        /** QEMU's {@code -bios}: a blob copied into bank 0 (which then has no image) at build and on every reset. */
        public Builder bios(byte[] blob) {
            this.bios = blob.clone();
            this.biosFile = null;
            return this;
        }

        /**
         * QEMU's {@code -bios FILE}, loaded into bank 0 (which then has no image) at build and on every reset without
         * copying it: the file's data pages are shared from the page cache with every board that boots it, until the
         * guest writes one ({@link RomBlob}). {@link #build()} refuses a file larger than the bank with a one-line
         * error naming it.
         */
        public Builder bios(Path file) {
            this.biosFile = Objects.requireNonNull(file, "file");
            this.bios = null;
            return this;
        }

        /**
         * QEMU's {@code -kernel} (with {@code -initrd}, {@code -append}): the kernel, its initrd and the device tree
         * (with {@code /chosen} bootargs and initrd) go into RAM, and the CPU starts in the kernel (see
         * {@link KernelBoot}); flash bank 0 is not run.
         */
        public Builder kernel(KernelBoot boot) {
            this.kernel = Objects.requireNonNull(boot, "boot");
            return this;
        }

        /** QEMU's {@code -no-reboot}: {@link #run} returns the guest's reset request instead of resetting. */
        public Builder noReboot(boolean value) {
            this.noReboot = value;
            return this;
        }

        /** Where the UART's (and semihosting's) output goes, and where the UART's input comes from. */
        public Builder console(ConsoleSink output, ConsoleSource input) {
            this.console = Objects.requireNonNull(output, "output");
            this.input = Objects.requireNonNull(input, "input");
            return this;
        }

        /**
         * MiB of the CPU's translated-code buffer (QEMU's {@code -accel tcg,tb-size=N}; default
         * {@link UnicornCpu#DEFAULT_TRANSLATION_BUFFER_MIB}, and {@link UnicornCpu#KERNEL_BOOT_TRANSLATION_BUFFER_MIB}
         * for a {@link #kernel} boot). It becomes resident in full once used: most of what a board costs. AAVMF boots
         * as fast with 4 MiB as with 16, and 55 % slower with 2; payloads and U-Boot are fine with 2; Linux boots 2.3x
         * as fast with 16 as with 4.
         */
        public Builder translationBufferMiB(int mib) {
            if (mib < 1 || mib > MAX_TRANSLATION_BUFFER_MIB) {
                throw new IllegalArgumentException("translation buffer of " + mib + " MiB, expected 1 to "
                        + MAX_TRANSLATION_BUFFER_MIB);
            }
            this.translationBufferMiB = mib;
            return this;
        }

        /** The translation buffer's MiB: as set, else the default of the boot. */
        int translationBufferMiB() {
            if (translationBufferMiB != 0) {
                return translationBufferMiB;
            }
            return kernel != null ? UnicornCpu.KERNEL_BOOT_TRANSLATION_BUFFER_MIB
                    : UnicornCpu.DEFAULT_TRANSLATION_BUFFER_MIB;
        }

        /**
         * Where read-only banks with an image ({@code readonly=on}) get their memory: every machine built with the
         * same registry shares one copy of each such image (a raw image's pages are the file's own, from the page
         * cache). Default: a registry of the machine's own. Whoever builds many boards holds one and passes it to
         * each (see {@link SharedImages}).
         */
        public Builder sharedImages(SharedImages images) {
            this.sharedImages = Objects.requireNonNull(images, "images");
            return this;
        }

        /**
         * QEMU's {@code -machine mem-merge=on|off}: whether the guest's RAM is merged (every second while the guest
         * idles in WFI, every five while it runs) with the RAM of the other boards built with the same
         * {@link #sharedPages} pool (pages alike become one copy, copy-on-write) and its zero pages given back (see
         * {@link PageMerger}). Default: on, as in QEMU (where it needs the host's KSM running; here it needs nothing).
         */
        public Builder memMerge(boolean on) {
            this.memMerge = on;
            return this;
        }

        /**
         * The pool that this machine's RAM merges into: machines built with the same pool share one copy of the
         * pages their RAM holds alike. Default: a pool of the machine's own (its duplicate and zero pages merged).
         * Whoever builds many boards holds one and passes it to each (see {@link SharedPages}).
         */
        public Builder sharedPages(SharedPages pages) {
            this.sharedPages = Objects.requireNonNull(pages, "pages");
            return this;
        }

        /** The source of the device tree's random seeds (default: a fresh one per machine). */
        public Builder deviceTreeRandom(RandomGenerator random) {
            this.random = random;
            return this;
        }

        /**
         * Opens the images, loads the banks and assembles the board.
         *
         * @throws IOException for an image that cannot be used (one-line message naming the file)
         */
        public VirtMachine build() throws IOException {
            if ((bios != null || biosFile != null) && imageFiles[0] != null) {
                throw new IllegalArgumentException("-bios cannot be used together with a pflash unit 0 image "
                        + imageFiles[0]);
            }
            ResourceStack owned = new ResourceStack();
            try {
                BoardAssembly a = new BoardAssembly(owned, ramSize, imageFiles, imageFormats, imageReadOnly,
                        flashSemantics, sharedImages != null ? sharedImages : new SharedImages(), console, input);
                AddressSpace.Builder map = AddressSpace.builder("system");
                for (VirtMemoryMap row : VirtMemoryMap.placedEntries()) {
                    map.map(row.base(), row.device().create(row, a));
                }
                Consumer<PflashCfi01> biosLoader = null;
                if (biosFile != null) {
                    RomBlob rom = owned.push(RomBlob.open(biosFile, a.banks[0].geometry().size()));
                    biosLoader = bank -> bank.loadBlob(rom);
                } else if (bios != null) {
                    byte[] blob = bios;
                    biosLoader = bank -> bank.loadBlob(blob);
                }
                if (biosLoader != null) {
                    biosLoader.accept(a.banks[0]);
                }
                VirtDeviceTree.Builder dt = VirtDeviceTree.builder().ramSize(ramSize).psci(true);
                if (random != null) {
                    dt.random(random);
                }
                KernelBoot.Layout layout = null;
                if (kernel != null) {
                    layout = kernel.layout(VirtMemoryMap.RAM.base(), ramSize);
                    dt.bootargs(kernel.commandLine());
                    if (kernel.hasInitrd()) {
                        dt.initrd(layout.initrdStart(), layout.initrdEnd());
                    }
                }
                byte[] blob = dt.build().blob();
                loadRam(a.ram, withoutTrailingZeros(blob), blob.length, kernel, layout);
                BoardInterrupts interrupts = a.interrupts;
                interrupts.devices(a.uart, a.rtc);
                AddressSpace space = map.build();
                UnicornCpu cpu = owned.push(UnicornCpu.create(space, console, interrupts, translationBufferMiB()));
                interrupts.cpu(cpu);
                PageMerger merger = null;
                if (memMerge) {
                    SharedPages pool = sharedPages != null ? sharedPages : owned.push(new SharedPages());
                    merger = owned.push(new PageMerger(a.ram, pool, System.nanoTime()));
                    PageMerger m = merger;
                    cpu.housekeeping(new Housekeeping() {
                        @Override
                        public long dueNanos(boolean idle) {
                            return m.nextDue(idle);
                        }

                        @Override
                        public void run(long now, boolean idle) {
                            try {
                                long start = System.nanoTime();
                                PageMerger.Result r = m.mergeIfDue(now, idle);
                                logMerge(r, System.nanoTime() - start);
                            } catch (UncheckedIOException e) {
                                LOG.warn("RAM merging stopped: {}", e.getMessage());
                            }
                        }
                    });
                }
                input.setInputListener(interrupts::consoleInput);
                if (LOG.isDebugEnabled()) { // describe() formats a line per region
                    LOG.debug("assembled:\n{}", space.describe());
                }
                if (kernel != null) {
                    startKernel(cpu, layout);
                }
                return new VirtMachine(owned, a.banks, a.images, a.ram, a.uart, interrupts, a.rtc, blob, biosLoader, kernel,
                        layout, noReboot, space, cpu, merger);
            } catch (IOException | RuntimeException e) {
                owned.closeAfter(e);
                throw e;
            }
        }
    }
}
