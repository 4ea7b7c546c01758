package dev.virtflash.virt;

import dev.virtflash.virt.fdt.FdtBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The device tree of this {@code virt} board for firmware boot: QEMU's {@code create_fdt()} and friends, for the
 * devices we have. The blob goes to {@link #LOAD_ADDRESS} (RAM base), where U-Boot and EDK2 look for it; its header's
 * {@code totalsize} is the 1 MiB buffer QEMU allocates ({@link #BLOB_SIZE}), so {@code 0x4000_0000-0x400F_FFFF} is
 * taken, as on QEMU.
 *
 * <p>Nodes: the root (with {@code interrupt-parent} = the GIC), {@code /chosen}, {@code /memory@40000000},
 * {@code /cpus} (one Cortex-A57 with QEMU's {@code cpu-map}), {@code /psci} (when the CPU offers PSCI over HVC),
 * {@code /intc@8000000} (GICv2: distributor and CPU interface), {@code /timer} (the four generic-timer PPIs),
 * {@code /flash@0} (one node for both banks, bank-width 4), {@code /apb-pclk}, {@code /pl011@9000000} and
 * {@code /pl031@9010000}. Their properties and values are those of QEMU 7.2's {@code -M virt,dumpdtb=} for a 1-CPU
 * Cortex-A57 machine with GICv2 and secure=off (a test compares them), with these deliberate differences:
 * <ul>
 *   <li><b>No {@code v2m@8020000} under {@code /intc}.</b> The GICv2m MSI frame is not emulated, and only PCIe
 *       (absent too) would use it. The {@code /intc} node itself keeps QEMU's {@code #address-cells},
 *       {@code #size-cells} and {@code ranges}, which are harmless without children.</li>
 *   <li><b>Absent nodes.</b> {@code /pmu}, {@code /fw-cfg}, {@code /virtio_mmio@...}, {@code /pcie},
 *       {@code /platform-bus} and {@code /gpio-keys} describe devices this board does not emulate; a node for a
 *       missing device would send the guest to unassigned memory. AAVMF and U-Boot boot without them (measured,
 *       {@code docs/firmware-devices.md}).</li>
 *   <li><b>{@code /chosen}</b> has {@code stdout-path} (for a {@code -kernel} boot also {@code bootargs} and the
 *       initrd's {@code linux,initrd-start}/{@code -end}, as QEMU), and, like QEMU, 32 bytes of {@code rng-seed} and an 8-byte
 *       {@code kaslr-seed}, drawn from the {@link Builder#random(RandomGenerator) random source} (a
 *       the kernel's {@code /dev/urandom}, or a {@link SecureRandom} where that cannot be read, unless a test passes a
 *       seeded one). We keep them because firmware passes them on to
 *       the kernel, which would otherwise start with no entropy and no KASLR; their values differ per boot by
 *       nature.</li>
 *   <li><b>Newer QEMU.</b> QEMU 8.2 and later add {@code /aliases/serial0} and a {@code dma-coherent} on the root;
 *       QEMU 7.2 (our oracle) has neither, so neither is here.</li>
 *   <li>{@code /cpus/cpu@0} has no {@code enable-method}: QEMU writes {@code "psci"} only with more than one CPU,
 *       since the boot CPU is never started by PSCI.</li>
 * </ul>
 */
public final class VirtDeviceTree {

    /** Where firmware finds the blob: RAM base. */
    public static final long LOAD_ADDRESS = VirtMemoryMap.RAM.base();
    /** The blob's {@code totalsize}: QEMU's 1 MiB buffer ({@code create_device_tree}'s {@code FDT_MAX_SIZE}). */
    public static final int BLOB_SIZE = 1 << 20;
    /** Root {@code compatible} and {@code model}. */
    public static final String MODEL = "linux,dummy-virt";
    /** The fixed PL011 clock ({@code /apb-pclk}). */
    public static final int APB_PCLK_HZ = 24_000_000;
    /** The CPU model. */
    public static final String CPU_COMPATIBLE = "arm,cortex-a57";
    /** The path of the console UART. */
    public static final String UART_PATH = "/pl011@" + Long.toHexString(VirtMemoryMap.UART.base());
    /** Flash bank width in bytes: two x16 chips side by side. */
    public static final int FLASH_BANK_WIDTH = 4;

    /** PSCI 0.2 function IDs as QEMU writes them (SMC64 for the ones taking addresses). */
    public static final int PSCI_CPU_SUSPEND = 0xC400_0001;
    public static final int PSCI_CPU_OFF = 0x8400_0002;
    public static final int PSCI_CPU_ON = 0xC400_0003;
    public static final int PSCI_MIGRATE = 0xC400_0005;

    /** Bytes of {@code /chosen/rng-seed}, as QEMU. */
    public static final int RNG_SEED_BYTES = 32;

    /** The path of the interrupt controller. */
    public static final String GIC_PATH = "/intc@" + Long.toHexString(VirtMemoryMap.GIC_DIST.base());
    /** The path of the RTC. */
    public static final String RTC_PATH = "/pl031@" + Long.toHexString(VirtMemoryMap.RTC.base());
    /** First cell of a GIC interrupt specifier: a shared peripheral interrupt. */
    public static final int GIC_FDT_IRQ_TYPE_SPI = 0;
    /** First cell of a GIC interrupt specifier: a private peripheral interrupt. */
    public static final int GIC_FDT_IRQ_TYPE_PPI = 1;
    /** Third cell: level-sensitive, active high. */
    public static final int IRQ_TYPE_LEVEL_HIGH = 4;
    /** Third cell of a PPI on GICv2: the mask of CPUs it goes to (bits 15:8), here the one CPU. */
    public static final int GIC_FDT_IRQ_PPI_CPU_MASK_1CPU = 1 << 8;
    /** The generic-timer PPIs in {@code /timer} order (secure EL1, non-secure EL1, virtual, EL2), as PPI numbers. */
    private static final int[] TIMER_PPIS = {13, 14, 11, 10};

    private final long ramSize;
    private final boolean psci;
    private final RandomGenerator random;
    private final String bootargs;
    private final long initrdStart;
    private final long initrdEnd;

    private VirtDeviceTree(Builder b) {
        this.ramSize = b.ramSize;
        this.psci = b.psci;
        this.bootargs = b.bootargs;
        this.initrdStart = b.initrdStart;
        this.initrdEnd = b.initrdEnd;
        this.random = b.random != null ? b.random : KernelRandom.INSTANCE;
    }

    /** A builder with QEMU's defaults: 128 MiB of RAM, PSCI over HVC, secure random seeds. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link VirtDeviceTree}. */
    public static final class Builder {
        private long ramSize = 128L << 20;
        private boolean psci = true;
        private RandomGenerator random;
        private String bootargs;
        private long initrdStart;
        private long initrdEnd;

        private Builder() {
        }

        /** A kernel command line ({@code -append}): {@code /chosen/bootargs}, as QEMU writes it (none if empty). */
        public Builder bootargs(String commandLine) {
            this.bootargs = commandLine == null || commandLine.isEmpty() ? null : commandLine;
            return this;
        }

        /**
         * Where the kernel finds its initial RAM disk ({@code -initrd}): {@code /chosen/linux,initrd-start} and
         * {@code -end}, one cell each as QEMU 7.2 writes them (so both must be below 4 GiB).
         */
        public Builder initrd(long start, long end) {
            if (start < 0 || end < start || end > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException(String.format("initrd 0x%x..0x%x: expected start <= end < 4 GiB",
                        start, end));
            }
            this.initrdStart = start;
            this.initrdEnd = end;
            return this;
        }

        /** RAM size in bytes ({@code -m}); goes into {@code /memory@40000000}. */
        public Builder ramSize(long bytes) {
            if (bytes <= 0 || bytes > VirtMemoryMap.RAM.size()) {
                throw new IllegalArgumentException("RAM size " + bytes + " bytes, expected 1.."
                        + VirtMemoryMap.RAM.size());
            }
            this.ramSize = bytes;
            return this;
        }

        /** Whether the CPU answers PSCI calls over HVC (adds {@code /psci}); default true. */
        public Builder psci(boolean present) {
            this.psci = present;
            return this;
        }

        /** The source of {@code rng-seed} and {@code kaslr-seed}; default the kernel's {@code /dev/urandom}. */
        public Builder random(RandomGenerator source) {
            this.random = Objects.requireNonNull(source, "source");
            return this;
        }

        public VirtDeviceTree build() {
            return new VirtDeviceTree(this);
        }
    }

    /**
     * What a {@link BoardDevice} needs to write its node: the builder, the phandles of the clock and the GIC, and the
     * RAM size.
     */
    record Nodes(FdtBuilder fdt, int clockPhandle, int gicPhandle, long ramSize) {
    }

    /**
     * Where a placed row's node goes among the board's own nodes: after which of them QEMU's {@code machvirt_init}
     * writes it. Rows of one slot follow the table's order.
     */
    enum Slot { AFTER_CHOSEN, AFTER_PSCI, AFTER_TIMER, AFTER_CLOCK, NONE }

    /**
     * The blob, {@link #BLOB_SIZE} bytes long: the root, {@code /chosen}, the CPU's nodes ({@code /cpus},
     * {@code /psci}, {@code /timer}), the clock, and one node per placed row of {@link VirtMemoryMap}, each written by
     * the row's {@link BoardDevice} in its {@link Slot}.
     */
    public byte[] blob() {
        FdtBuilder fdt = new FdtBuilder();
        int clockPhandle = fdt.allocatePhandle();
        int cpuPhandle = fdt.allocatePhandle();
        int gicPhandle = fdt.allocatePhandle();

        fdt.beginNode("");
        fdt.propertyCells("interrupt-parent", gicPhandle);
        fdt.propertyString("compatible", MODEL);
        fdt.propertyString("model", MODEL);
        fdt.propertyCells("#address-cells", 2);
        fdt.propertyCells("#size-cells", 2);

        Nodes nodes = new Nodes(fdt, clockPhandle, gicPhandle, ramSize);
        chosen(fdt);
        rows(Slot.AFTER_CHOSEN, nodes);
        cpus(fdt, cpuPhandle);
        if (psci) {
            psci(fdt);
        }
        rows(Slot.AFTER_PSCI, nodes);
        timer(fdt);
        rows(Slot.AFTER_TIMER, nodes);
        apbClock(fdt, clockPhandle);
        rows(Slot.AFTER_CLOCK, nodes);

        fdt.endNode();
        return fdt.build(BLOB_SIZE);
    }

    /** The nodes of the placed rows whose devices write theirs in {@code slot}. */
    private static void rows(Slot slot, Nodes nodes) {
        for (VirtMemoryMap row : VirtMemoryMap.placedEntries()) {
            if (row.device().slot() == slot) {
                row.device().node(row, nodes);
            }
        }
    }

    private void chosen(FdtBuilder fdt) {
        byte[] rng = new byte[RNG_SEED_BYTES];
        random.nextBytes(rng);
        fdt.beginNode("chosen");
        // QEMU adds these to its finished tree, where libfdt puts each new property first: this order.
        if (initrdEnd > initrdStart) {
            fdt.propertyCells("linux,initrd-end", (int) initrdEnd);
            fdt.propertyCells("linux,initrd-start", (int) initrdStart);
        }
        if (bootargs != null) {
            fdt.propertyString("bootargs", bootargs);
        }
        fdt.propertyString("stdout-path", UART_PATH);
        fdt.property("rng-seed", rng);
        fdt.propertyU64("kaslr-seed", random.nextLong());
        fdt.endNode();
    }

    private static void cpus(FdtBuilder fdt, int cpuPhandle) {
        fdt.beginNode("cpus");
        fdt.propertyCells("#address-cells", 1);
        fdt.propertyCells("#size-cells", 0);
        fdt.beginNode("cpu-map").beginNode("socket0").beginNode("cluster0").beginNode("core0");
        fdt.propertyCells("cpu", cpuPhandle);
        fdt.endNode().endNode().endNode().endNode();
        fdt.beginNode("cpu@0");
        fdt.propertyString("device_type", "cpu");
        fdt.propertyString("compatible", CPU_COMPATIBLE);
        fdt.propertyCells("reg", 0);
        fdt.phandle(cpuPhandle);
        fdt.endNode();
        fdt.endNode();
    }

    private static void psci(FdtBuilder fdt) {
        fdt.beginNode("psci");
        fdt.propertyStrings("compatible", "arm,psci-1.0", "arm,psci-0.2", "arm,psci");
        fdt.propertyString("method", "hvc");
        fdt.propertyCells("cpu_suspend", PSCI_CPU_SUSPEND);
        fdt.propertyCells("cpu_off", PSCI_CPU_OFF);
        fdt.propertyCells("cpu_on", PSCI_CPU_ON);
        fdt.propertyCells("migrate", PSCI_MIGRATE);
        fdt.endNode();
    }

    private static void apbClock(FdtBuilder fdt, int phandle) {
        fdt.beginNode("apb-pclk");
        fdt.propertyString("compatible", "fixed-clock");
        fdt.propertyCells("#clock-cells", 0);
        fdt.propertyCells("clock-frequency", APB_PCLK_HZ);
        fdt.propertyString("clock-output-names", "clk24mhz");
        fdt.phandle(phandle);
        fdt.endNode();
    }

    private static void timer(FdtBuilder fdt) {
        fdt.beginNode("timer");
        fdt.propertyStrings("compatible", "arm,armv8-timer", "arm,armv7-timer");
        fdt.propertyEmpty("always-on");
        int flags = GIC_FDT_IRQ_PPI_CPU_MASK_1CPU | IRQ_TYPE_LEVEL_HIGH;
        int[] cells = new int[3 * TIMER_PPIS.length];
        for (int i = 0; i < TIMER_PPIS.length; i++) {
            cells[3 * i] = GIC_FDT_IRQ_TYPE_PPI;
            cells[3 * i + 1] = TIMER_PPIS[i];
            cells[3 * i + 2] = flags;
        }
        fdt.propertyCells("interrupts", cells);
        fdt.endNode();
    }

    /**
     * Seeds from the kernel's {@code /dev/urandom}, as QEMU takes them from {@code getrandom}: a {@link SecureRandom}
     * would do the same, but setting one up loads the JDK's security providers (about 9 ms of a 250 ms payload run).
     * Falls back to a {@link SecureRandom} where the device cannot be read.
     */
    private enum KernelRandom implements RandomGenerator {
        INSTANCE;

        private static final Path URANDOM = Path.of("/dev/urandom");

        @Override
        public void nextBytes(byte[] bytes) {
            try (InputStream in = Files.newInputStream(URANDOM)) {
                if (in.readNBytes(bytes, 0, bytes.length) == bytes.length) {
                    return;
                }
            } catch (IOException e) {
                // no such device here: below
            }
            new SecureRandom().nextBytes(bytes);
        }

        @Override
        public long nextLong() {
            byte[] b = new byte[Long.BYTES];
            nextBytes(b);
            return java.nio.ByteBuffer.wrap(b).getLong();
        }
    }
}
