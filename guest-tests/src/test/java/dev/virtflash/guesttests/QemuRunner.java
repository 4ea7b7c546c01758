package dev.virtflash.guesttests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs payloads on Debian's {@code qemu-system-aarch64 -M virt}, the oracle:
 *
 * <pre>
 * qemu-system-aarch64 -M virt -cpu cortex-a57 -m 128M -semihosting -nographic -monitor none -nic none
 *     -drive if=pflash,unit=0,format=raw,file=F0 -drive if=pflash,unit=1,format=FMT,file=F1[,readonly=on]
 * </pre>
 *
 * F0 is the payload padded (sparse) to 64 MiB in a fresh temporary folder; F1 is the spec's image or a fresh sparse
 * blank one. {@code -nic none}: without it QEMU adds a virtio NIC whose option ROM Debian does not ship with
 * qemu-system-arm ("failed to find romfile efi-virtio.rom"). The console is the UART on stdout; stdin is closed.
 * A run past its timeout is killed and reported with {@link RunResult#timedOut()}.
 *
 * <p>Not handled here: QEMU versions other than 7.2 (their known differences have not been characterised;
 * {@link #system()} refuses them with a message saying so).
 */
public final class QemuRunner implements PayloadRunner {

    /** The binary, looked up on PATH. */
    public static final String DEFAULT_BINARY = "qemu-system-aarch64";
    private static final Logger log = LoggerFactory.getLogger(QemuRunner.class);
    private static final Pattern VERSION = Pattern.compile("QEMU emulator version (\\d+)\\.(\\d+)\\.(\\d+)");

    private final String binary;
    private final String version;
    private final Set<KnownDifference> differences;

    /** A runner for a binary whose version and differences the caller knows. */
    public QemuRunner(String binary, String version, Set<KnownDifference> differences) {
        this.binary = binary;
        this.version = version;
        this.differences = differences.isEmpty() ? Collections.emptySet()
                : Collections.unmodifiableSet(EnumSet.copyOf(differences));
    }

    /** The installed {@code qemu-system-aarch64}, its version asked with {@code --version}. */
    public static QemuRunner system() throws IOException, InterruptedException {
        String out;
        Process p;
        try {
            p = new ProcessBuilder(DEFAULT_BINARY, "--version").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(DEFAULT_BINARY + " not found on PATH: run scripts/setup.sh (it installs "
                    + "qemu-system-arm)", e);
        }
        p.getOutputStream().close();
        out = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        Matcher m = VERSION.matcher(out);
        if (!m.find()) {
            throw new IOException(DEFAULT_BINARY + " --version printed no version: " + out.strip());
        }
        String v = m.group(1) + "." + m.group(2) + "." + m.group(3);
        return new QemuRunner(DEFAULT_BINARY, v, differencesOf(Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(2)), v));
    }

    /**
     * The documented differences of a QEMU version (only Debian 12's 7.2 is characterised): all of QEMU's, none of
     * our deliberate real-NOR ones.
     */
    static Set<KnownDifference> differencesOf(int major, int minor, String version) {
        if (major == 7 && minor == 2) {
            return EnumSet.complementOf(EnumSet.copyOf(KnownDifference.realNor()));
        }
        throw new IllegalStateException("QEMU " + version + " is not characterised: the guest tests know the "
                + "differences of Debian 12's QEMU 7.2 (scripts/setup.sh installs it); record this version's in "
                + "QemuRunner.differencesOf");
    }

    @Override
    public String name() {
        return "qemu-" + version;
    }

    @Override
    public Set<KnownDifference> knownDifferences() {
        return differences;
    }

    @Override
    public Set<ImageFormat> imageFormats() {
        return EnumSet.allOf(ImageFormat.class);
    }

    /** The command line for one run. */
    public List<String> commandLine(Path flash0, Path flash1, RunSpec spec) {
        List<String> cmd = new ArrayList<>(List.of(binary, "-M", "virt", "-cpu", "cortex-a57", "-m", "128M",
                "-semihosting", "-nographic", "-monitor", "none", "-nic", "none"));
        cmd.add("-drive");
        cmd.add("if=pflash,unit=0,format=raw,file=" + flash0);
        if (spec.noFlash1()) {
            return cmd;
        }
        cmd.add("-drive");
        cmd.add("if=pflash,unit=1,format=" + spec.effectiveFlash1Format().option() + ",file=" + flash1
                + (spec.flash1ReadOnly() ? ",readonly=on" : ""));
        return cmd;
    }

    @Override
    public RunResult run(RunSpec spec) throws IOException, InterruptedException {
        byte[] payload = Payloads.load(spec.payload());
        Path dir = Files.createTempDirectory("virtflash-qemu-");
        Path flash0 = spec.flash0() != null ? spec.flash0() : dir.resolve("flash0.img");
        Path blank1 = dir.resolve("flash1.img");
        try {
            FlashImages.withPayload(flash0, payload);
            Path flash1 = spec.flash1() != null || spec.noFlash1() ? spec.flash1() : FlashImages.blankRaw(blank1);
            List<String> cmd = commandLine(flash0, flash1, spec);
            log.debug("running {}", String.join(" ", cmd));
            return ProcessRun.execute(cmd, spec.timeout());
        } finally {
            if (spec.flash0() == null) {
                Files.deleteIfExists(flash0);
            }
            Files.deleteIfExists(blank1);
            Files.deleteIfExists(dir);
        }
    }

    /**
     * Runs this QEMU with a command line of the caller's (the options after the binary's name), with the same console
     * capture and timeout handling as a payload run.
     */
    public RunResult runCommandLine(List<String> options, Duration timeout) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary);
        cmd.addAll(options);
        log.debug("running {}", String.join(" ", cmd));
        return ProcessRun.execute(cmd, timeout);
    }

    @Override
    public String toString() {
        return name();
    }
}
