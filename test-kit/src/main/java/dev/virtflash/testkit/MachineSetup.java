package dev.virtflash.testkit;

import dev.virtflash.firmware.PayloadCatalog;
import dev.virtflash.hw.block.SharedImages;
import dev.virtflash.hw.pflash.FlashSemantics;
import dev.virtflash.memory.SharedPages;
import dev.virtflash.virt.KernelBoot;
import dev.virtflash.virt.VirtMachine;
import dev.virtflash.virt.devices.QueueConsoleSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What to boot and with which flash: firmware ({@link #bios(Path)}), an embedded payload ({@link #payload}) or a
 * flash0 image ({@link #flash}), flash images or templates for the banks, timeouts and the console.
 * {@link #start()} makes the images from their templates, builds the machine and starts it.
 */
public final class MachineSetup {
    private final Path workDir;
    private final Consumer<TestMachine> started;
    private final Path[] imageFiles = new Path[2];
    private final FlashImage[] templates = new FlashImage[2];
    private final String[] formats = new String[2];
    private final boolean[] readOnly = new boolean[2];
    private String payload;
    private byte[] bios;
    private Path biosFile;
    private KernelBoot kernel;
    private long ramSize = 128L << 20;
    private Duration awaitTimeout = Duration.ofSeconds(30);
    private Duration runLimit = Duration.ofMinutes(10);
    private int consoleCapacity = ConsoleLog.DEFAULT_CAPACITY;
    private OutputStream echo;
    private String name;
    private FlashSemantics flashSemantics = FlashSemantics.REAL_NOR;
    private SharedImages sharedImages;
    private SharedPages sharedPages;
    private boolean memMerge = true;
    private int translationBufferMiB;

    MachineSetup(Path workDir, Consumer<TestMachine> started) {
        this.workDir = Objects.requireNonNull(workDir, "workDir");
        this.started = started;
    }

    /**
     * QEMU's {@code -bios FILE}: firmware loaded into bank 0 at start and at every reset, never saved. The file is not
     * copied: its pages are shared from the page cache by every board that boots it, until a guest writes one.
     */
    public MachineSetup bios(Path file) throws IOException {
        this.biosFile = Objects.requireNonNull(file, "file");
        this.bios = null;
        return this;
    }

    /** {@code -bios} from bytes (copied into each board). */
    public MachineSetup bios(byte[] firmware) {
        this.bios = firmware.clone();
        this.biosFile = null;
        return this;
    }

    /**
     * QEMU's {@code -kernel FILE [-initrd FILE] [-append STRING]}: the kernel starts from RAM, no firmware runs.
     *
     * @param initrd null for none
     * @param append null for none
     */
    public MachineSetup kernel(Path kernel, Path initrd, String append) throws IOException {
        this.kernel = KernelBoot.of(kernel, initrd, append);
        return this;
    }

    /**
     * An embedded payload (module {@code firmware}, e.g. {@code erase}) in a new sparse raw flash0 image, as
     * {@code virt --payload NAME} boots it.
     */
    public MachineSetup payload(String payloadName) {
        this.payload = Objects.requireNonNull(payloadName, "payloadName");
        return this;
    }

    /** Bank {@code unit} (0 or 1) uses the existing image {@code file}, writable, format detected. */
    public MachineSetup flash(int unit, Path file) {
        return flash(unit, file, null, false);
    }

    /** Bank {@code unit} uses {@code file}; {@code format} {@code raw}, {@code qcow2} or null to detect. */
    public MachineSetup flash(int unit, Path file, String format, boolean readOnlyImage) {
        Objects.checkIndex(unit, 2);
        imageFiles[unit] = Objects.requireNonNull(file, "file");
        templates[unit] = null;
        formats[unit] = format;
        readOnly[unit] = readOnlyImage;
        return this;
    }

    /** Bank {@code unit} gets a new image made from {@code template} in the work folder at {@link #start()}. */
    public MachineSetup flash(int unit, FlashImage template) {
        Objects.checkIndex(unit, 2);
        templates[unit] = Objects.requireNonNull(template, "template");
        imageFiles[unit] = null;
        formats[unit] = template.format();
        readOnly[unit] = false;
        return this;
    }

    /** RAM in bytes (default 128 MiB, as the QEMU command lines in the documentation). */
    public MachineSetup ramSize(long bytes) {
        this.ramSize = bytes;
        return this;
    }

    /**
     * How the flash banks program and clear status: {@link FlashSemantics#REAL_NOR} (the default) or
     * {@link FlashSemantics#QEMU_7_2} for QEMU's overwrite (see {@code VirtMachine.Builder#flashSemantics}).
     */
    public MachineSetup flashSemantics(FlashSemantics semantics) {
        this.flashSemantics = Objects.requireNonNull(semantics, "semantics");
        return this;
    }

    /** How long {@link TestMachine#await(String)} and {@link TestMachine#awaitExit()} wait (default 30 s). */
    public MachineSetup awaitTimeout(Duration timeout) {
        this.awaitTimeout = positive(timeout, "await timeout");
        return this;
    }

    /** The machine stops by itself after this long, whatever the test does (default 10 min). */
    public MachineSetup runLimit(Duration limit) {
        this.runLimit = positive(limit, "run limit");
        return this;
    }

    /** How many of the latest console bytes are kept (default {@link ConsoleLog#DEFAULT_CAPACITY}). */
    public MachineSetup consoleCapacity(int bytes) {
        this.consoleCapacity = bytes;
        return this;
    }

    /** Also copies the console to {@code out} (e.g. {@code System.out} while writing a test). */
    public MachineSetup echo(OutputStream out) {
        this.echo = out;
        return this;
    }

    /**
     * Read-only images ({@code flash(unit, file, format, true)}) shared with every machine started with the same
     * registry: one copy of each image for all of them (see {@link SharedImages}). Default: the machine's own.
     */
    public MachineSetup sharedImages(SharedImages images) {
        this.sharedImages = Objects.requireNonNull(images, "images");
        return this;
    }

    /**
     * RAM merged with that of every machine started with the same pool: pages alike are one copy for all of them
     * while their guests idle (see {@link SharedPages}). Default: the machine's own pool.
     */
    public MachineSetup sharedPages(SharedPages pages) {
        this.sharedPages = Objects.requireNonNull(pages, "pages");
        return this;
    }

    /** {@code -M virt,mem-merge=on|off}: whether RAM is merged while the guest idles (default on). */
    public MachineSetup memMerge(boolean on) {
        this.memMerge = on;
        return this;
    }

    /** The CPU's translation buffer in MiB ({@code -accel tcg,tb-size=N}; default the board's). */
    public MachineSetup translationBufferMiB(int mib) {
        this.translationBufferMiB = mib;
        return this;
    }

    /** A name for messages and the guest thread (default: the payload, the firmware file or "machine"). */
    public MachineSetup name(String machineName) {
        this.name = machineName;
        return this;
    }

    /**
     * Makes the images, builds the machine and starts the guest.
     *
     * @throws IOException for an image or payload that cannot be made or opened (a one-line message naming it)
     */
    public TestMachine start() throws IOException {
        if (payload != null && (bios != null || biosFile != null || imageFiles[0] != null || templates[0] != null)) {
            throw new IllegalArgumentException("a payload goes into bank 0: it cannot be combined with -bios or a "
                    + "bank 0 image");
        }
        Path[] files = imageFiles.clone();
        String id = name != null ? name : payload != null ? payload : bios != null || biosFile != null ? "bios" : "machine";
        String fileId = id.replaceAll("[^A-Za-z0-9._-]", "_");
        if (payload != null) {
            byte[] bytes = PayloadCatalog.firmware().load(payload).orElseThrow(() -> new IOException("payload '"
                    + payload + "': no such payload, expected one of " + PayloadCatalog.firmware().names()));
            files[0] = FlashImage.raw().with(0, bytes).create(unique(fileId + "-flash0", "raw"));
            formats[0] = "raw";
        }
        for (int unit = 0; unit < 2; unit++) {
            if (templates[unit] != null) {
                files[unit] = templates[unit].create(unique(fileId + "-flash" + unit, templates[unit].format()));
            }
        }
        ConsoleLog log = new ConsoleLog(consoleCapacity, echo);
        QueueConsoleSource in = new QueueConsoleSource();
        VirtMachine.Builder b = VirtMachine.builder().ramSize(ramSize).console(log, in)
                .flashSemantics(flashSemantics);
        if (bios != null) {
            b.bios(bios);
        } else if (biosFile != null) {
            b.bios(biosFile);
        }
        if (kernel != null) {
            b.kernel(kernel);
        }
        if (sharedImages != null) {
            b.sharedImages(sharedImages);
        }
        if (sharedPages != null) {
            b.sharedPages(sharedPages);
        }
        b.memMerge(memMerge);
        if (translationBufferMiB != 0) {
            b.translationBufferMiB(translationBufferMiB);
        }
        for (int unit = 0; unit < 2; unit++) {
            if (files[unit] != null) {
                b.flashImage(unit, files[unit], formats[unit], readOnly[unit]);
            }
        }
        VirtMachine vm = b.build();
        String[] fmts = new String[2];
        for (int unit = 0; unit < 2; unit++) {
            fmts[unit] = vm.image(unit) == null ? null : vm.image(unit).format();
        }
        TestMachine m = new TestMachine(id, vm, log, in, files, fmts, awaitTimeout, runLimit);
        started.accept(m);
        m.launch();
        return m;
    }

    private Path unique(String stem, String format) throws IOException {
        String ext = format.equals("qcow2") ? ".qcow2" : ".img";
        Path p = workDir.resolve(stem + ext);
        for (int i = 2; Files.exists(p); i++) {
            p = workDir.resolve(stem + "-" + i + ext);
        }
        return p;
    }

    private static Duration positive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d);
        }
        return d;
    }
}
