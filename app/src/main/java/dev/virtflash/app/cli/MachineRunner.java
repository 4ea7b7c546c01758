package dev.virtflash.app.cli;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.pflash.PflashCfi01;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.Residency;
import dev.virtflash.firmware.PayloadCatalog;
import dev.virtflash.virt.KernelBoot;
import dev.virtflash.virt.VirtMachine;
import dev.virtflash.virt.cpu.CpuExit;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Builds a {@link VirtMachine} from a {@link MachineConfig}, runs it, and prints the flash RSS report. For an
 * embedded payload it first makes the images: bank 0 holds the payload, bank 1 is the given image or a new one; new
 * images are sparse 64 MiB raw files in a fresh folder that is kept (its path is printed).
 */
public final class MachineRunner implements Main.MachineLauncher {

    private final PayloadCatalog payloads;
    private final InputStream stdin;
    private final Terminal terminal;
    private final Path workDir;

    /** Standard input is never a terminal (tests, pipes); new image folders go to the system's temporary folder. */
    public MachineRunner(PayloadCatalog payloads, InputStream stdin) {
        this(payloads, stdin, Terminal.none(), null);
    }

    /**
     * @param workDir where the folders of new payload images are made, or {@code null} for the system's temporary
     *                folder
     */
    public MachineRunner(PayloadCatalog payloads, InputStream stdin, Path workDir) {
        this(payloads, stdin, Terminal.none(), workDir);
    }

    /**
     * @param terminal the terminal on {@code stdin}: put into raw mode for {@code -serial stdio} while the machine
     *                 runs ({@link Terminal#stty()} for the process's own standard input)
     * @param workDir  where the folders of new payload images are made, or {@code null} for the system's temporary
     *                 folder
     */
    public MachineRunner(PayloadCatalog payloads, InputStream stdin, Terminal terminal, Path workDir) {
        this.payloads = Objects.requireNonNull(payloads, "payloads");
        this.stdin = Objects.requireNonNull(stdin, "stdin");
        this.terminal = Objects.requireNonNull(terminal, "terminal");
        this.workDir = workDir;
    }

    @Override
    public int launch(MachineConfig config, PrintStream out, PrintStream err) throws IOException {
        VirtMachine.Builder builder = VirtMachine.builder().ramSize(config.ramSize())
                .flashSemantics(config.flashSemantics())
                .memMerge(config.memMerge());
        if (config.translationBufferMiB() != MachineConfig.DEFAULT_TB_SIZE_MIB) {
            builder.translationBufferMiB(config.translationBufferMiB());
        }
        List<DriveSpec> drives = new ArrayList<>(config.drives());
        FirmwareSource firmware = config.firmware();
        NewImages fresh = null;
        if (firmware instanceof FirmwareSource.Bios) {
            Path file = ((FirmwareSource.Bios) firmware).file();
            builder.bios(file);
        } else if (firmware instanceof FirmwareSource.Payload) {
            fresh = payloadImages(((FirmwareSource.Payload) firmware).name(), drives);
            drives = fresh.drives();
        } else if (firmware instanceof FirmwareSource.Kernel) {
            builder.kernel(kernelBoot((FirmwareSource.Kernel) firmware));
        }
        builder.noReboot(config.noReboot());
        for (DriveSpec d : drives) {
            builder.flashImage(d.unit(), d.file(), d.format(), d.readOnly());
        }
        AtomicReference<VirtMachine> running = new AtomicReference<>();
        AtomicBoolean quit = new AtomicBoolean();
        Runnable onQuit = () -> {
            quit.set(true);
            VirtMachine m = running.get();
            if (m != null) {
                m.requestStop();
            }
        };
        try (SerialBackend serial = SerialBackend.open(config.serial(), out, stdin, terminal, onQuit)) {
            builder.console(serial.sink(), serial.source());
            VirtMachine built;
            try {
                built = builder.build();
            } catch (IOException | RuntimeException e) {
                if (fresh != null) {
                    fresh.delete(); // nothing ran: leave no half-made folder behind
                }
                throw e;
            }
            if (fresh != null) {
                err.println("virt: payload '" + fresh.payload() + "' on flash images in " + fresh.dir());
            }
            try (VirtMachine machine = built) {
                running.set(machine);
                CpuExit exit = quit.get() ? new CpuExit.Stopped(machine.cpu().pc())
                        : machine.run(config.timeout().orElse(null));
                out.flush();
                serial.releaseTerminal();
                boolean userQuit = quit.get() && exit instanceof CpuExit.Stopped;
                boolean clean = exit instanceof CpuExit.PowerOff || exit instanceof CpuExit.Reset
                        || exit instanceof CpuExit.SemihostingExit && exit.suggestedExitCode() == 0;
                if (userQuit) {
                    err.println("virt: terminated (Ctrl-A x)");
                } else if (!clean) {
                    err.println("virt: " + exit.describe());
                }
                for (String line : writeBackFailures(machine)) {
                    err.println(line);
                }
                switch (config.rssReport()) {
                    case TABLE:
                        out.print(report(machine).toTable());
                        break;
                    case JSON:
                        out.println(report(machine).toJson());
                        break;
                    default:
                        break;
                }
                return userQuit ? 0 : exit.suggestedExitCode();
            }
        }
    }

    /** The files of a {@code -kernel} boot, read at every load (one-line errors naming the file). */
    static KernelBoot kernelBoot(FirmwareSource.Kernel k) throws IOException {
        return KernelBoot.of(k.kernel(), k.initrd(), k.append());
    }

    /**
     * One line per bank whose image missed changes because write-backs failed, e.g. {@code virt: flash1.img: 3
     * write-backs failed (No space left on device); the image misses the guest's last changes}. Empty when every
     * write-back succeeded.
     */
    public static List<String> writeBackFailures(VirtMachine machine) {
        List<String> lines = new ArrayList<>();
        for (int unit = 0; unit < 2; unit++) {
            PflashCfi01 bank = machine.flash(unit);
            long failures = bank.writeBackFailures();
            if (failures > 0) {
                BlockBackend image = machine.image(unit);
                lines.add("virt: " + (image == null ? bank.name() : image.path()) + ": " + failures + " write-back"
                        + (failures == 1 ? "" : "s") + " failed (" + bank.lastWriteBackError()
                        + "); the image misses the guest's last changes");
            }
        }
        return lines;
    }

    /**
     * The flash RSS report of a machine: per bank, then the process. Residency is measured first, before anything
     * else looks at the banks; the non-zero figure then reads only the pages that the image or the guest wrote
     * ({@link HostMemory#nonZeroBytes}), so making the report costs no bank memory on any kernel.
     */
    public static RssReport report(VirtMachine machine) throws IOException {
        List<Residency.Usage> usage = Residency.usage(List.of(machine.flash(0).region().memory(),
                machine.flash(1).region().memory()));
        long[] resident = new long[2];
        long[] present = new long[2];
        long[] anonymous = new long[2];
        for (int unit = 0; unit < 2; unit++) {
            resident[unit] = usage.get(unit).resident();
            present[unit] = Residency.presentBytes(machine.flash(unit).region().memory());
            anonymous[unit] = usage.get(unit).anonymous();
        }
        Residency.ProcessMemory p = Residency.process();
        List<RssReport.Bank> banks = new ArrayList<>();
        for (int unit = 0; unit < 2; unit++) {
            PflashCfi01 bank = machine.flash(unit);
            HostMemory memory = bank.region().memory();
            BlockBackend image = machine.image(unit);
            Path shared = bank.sharedImage();
            // a leased bank's memory is the image's, whoever mapped it; a -bios bank owns the pages its guest wrote
            long owned = bank.leased() ? 0 : anonymous[unit];
            banks.add(new RssReport.Bank(bank.name(), memory.size(), image == null ? null : image.path(),
                    image == null ? -1 : image.allocatedBytes(), memory.nonZeroBytes(), resident[unit],
                    memory.dataBytes(), present[unit], owned, resident[unit] - owned, shared));
        }
        long merged = machine.pageMerger().map(m -> m.pool().bytes()).orElse(0L);
        return new RssReport(banks, new RssReport.Process(p.vmRss(), p.rssAnon(), merged));
    }

    /** The images made for a payload run: the folder, and the drives (the given unit 1 drive, if any, kept). */
    private record NewImages(String payload, Path dir, List<DriveSpec> drives, List<Path> made) {
        void delete() {
            for (Path p : made) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: the folder is in the temporary area
                }
            }
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // not empty or gone: leave it
            }
        }
    }

    /**
     * A new folder {@code virtflash-PID-N} in {@code parent} that only this user can enter, as
     * {@code Files.createTempDirectory} makes, without its random name: that loads the JDK's security providers for
     * SecureRandom, about 9 ms of a 250 ms payload run. Creating fails on any existing name (no link is followed), and
     * the next number is tried.
     */
    static Path privateDirectory(Path parent) throws IOException {
        String stem = "virtflash-" + ProcessHandle.current().pid() + "-";
        long n = System.nanoTime() & 0xFFFF_FFFFL;
        for (int tries = 0; ; tries++) {
            Path dir = parent.resolve(stem + Long.toString(n + tries, 36));
            try {
                return Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                if (tries == 99) {
                    throw e;
                }
            }
        }
    }

    private NewImages payloadImages(String name, List<DriveSpec> given) throws IOException {
        byte[] payload = payloads.load(name).orElseThrow(() ->
                new IOException("--payload " + name + ": no such payload, expected one of " + payloads.names()));
        long bankSize = PflashCfi01.VIRT_BANK_SIZE;
        Path dir = privateDirectory(workDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : workDir);
        List<DriveSpec> drives = new ArrayList<>();
        List<Path> made = new ArrayList<>();
        Path flash0 = dir.resolve("flash0.img");
        made.add(flash0);
        writeSparse(flash0, bankSize, payload);
        drives.add(new DriveSpec(0, flash0, "raw", false));
        DriveSpec unit1 = given.stream().filter(d -> d.unit() == 1).findFirst().orElse(null);
        if (unit1 == null) {
            Path flash1 = dir.resolve("flash1.img");
            made.add(flash1);
            writeSparse(flash1, bankSize, new byte[0]);
            unit1 = new DriveSpec(1, flash1, "raw", false);
        }
        drives.add(unit1);
        return new NewImages(name, dir, drives, made);
    }

    private static void writeSparse(Path file, long size, byte[] head) throws IOException {
        Files.createFile(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(head);
            raf.setLength(size); // ftruncate: the rest is a hole
        }
    }
}
