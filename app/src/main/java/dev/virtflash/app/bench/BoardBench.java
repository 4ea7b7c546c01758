package dev.virtflash.app.bench;

import dev.virtflash.firmware.PayloadCatalog;
import dev.virtflash.app.cli.Sizes;
import dev.virtflash.testkit.TempTree;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The board benchmark ({@code virt bench board}, {@code ./bench}): the same guest work - an embedded payload in
 * flash bank 0, an empty bank 1, both images of one {@link ImageKind} - run by us (a separate JVM running the
 * {@code virt} command, as {@code ./virt} does) and by {@code qemu-system-aarch64 -M virt -cpu cortex-a57 -m 128M
 * -nographic -nic none -semihosting -drive if=pflash,...}, side by side in one run. For each image kind it prints,
 * ours against QEMU's with the ratio:
 * <ul>
 * <li><b>flash resident</b>: ours from the run's own RSS report (resident bytes of each bank's memory at the payload's
 * exit); QEMU's as the {@code Rss} of its two 64 MiB mappings in {@code /proc/PID/smaps}, sampled every 2 ms while it
 * runs (the largest sum seen);</li>
 * <li><b>process RSS</b>: {@code VmRSS} of the whole process at the payload's exit (ours from the report, QEMU's last
 * sample) and its peak {@code VmHWM};</li>
 * <li><b>time</b> from launch to the process's exit after the payload's semihosting exit, the median of the rounds
 * (the memory run counts as a warm-up).</li>
 * </ul>
 * and the target line of issue 17 (launch to exit no slower than QEMU, {@code <= 1.0x}). It also checks that both
 * printed the same console and exit code. Every row runs once per load condition ({@code --load}: a quiet machine,
 * then two busy-loop processes beside both emulators), and each condition adds the guest-driven flash throughput
 * ({@link FlashSpeedBench}, with the payload rows), the in-process row ({@link InProcessBench}) and the CFI model's bus
 * cycles per second ({@link PflashCycleBench}). {@code --sweep}
 * measures our process RSS and time
 * under several JVM flag sets and translation-buffer sizes, for choosing {@code ./virt}'s defaults.
 *
 * <p>Size: about 450 lines, over the project's 400, on purpose: it is the report of one benchmark run (rows, ratios,
 * the sweep and its table); the processes it measures are {@link TimedProcess} and {@link ProcessProbe}, the
 * firmware rows {@link FirmwareBench}.
 */
public final class BoardBench {

    /**
     * The main class of {@code virt}, which the benchmark starts in child JVMs; a name, not a class reference, because
     * {@code virt} itself depends on the benchmarks ({@code VirtTest} checks that it is right).
     */
    public static final String VIRT_MAIN_CLASS = "dev.virtflash.app.Virt";

    private static final String QEMU = "qemu-system-aarch64";
    private static final int DEFAULT_ROUNDS = 5;
    /** Issue 17, point 2: a quiet machine, and two busy-loop processes beside both emulators. */
    private static final List<Integer> DEFAULT_LOADS = List.of(0, 2);
    /** Issue 17, point 3: boards in a row in this JVM. */
    private static final int DEFAULT_BOARDS = 100;
    /** The target of every time ratio (issue 17): no slower than QEMU. */
    static final double TIME_TARGET = FirmwareBench.TIME_TARGET;
    /** Seconds per CFI model scenario. */
    private static final double CYCLE_SECONDS = 1.0;
    private static final long RUN_TIMEOUT_SECS = 120;
    private static final Pattern RESIDENT = Pattern.compile("\"residentBytes\":(\\d+)");
    private static final Pattern VM_RSS = Pattern.compile("\"vmRssBytes\":(\\d+)");
    /** The flags {@code ./virt} used before the sweep chose new ones; the sweep's baseline. */
    static final List<String> OLD_VIRT_FLAGS = List.of("-XX:+UseSerialGC", "-Xss4m");

    private final Options options;
    private final PrintStream out;
    private final PayloadCatalog payloads;
    /** QEMU's median launch-to-exit of the last payload row of this condition, or 0: the in-process row's yardstick. */
    private double qemuPayloadMillis;

    private BoardBench(Options options, PrintStream out, PayloadCatalog payloads) {
        this.options = options;
        this.out = out;
        this.payloads = payloads;
    }

    /** The parsed arguments. */
    record Options(int rounds, List<ImageKind> kinds, String payload, String qemu, List<String> javaOptions,
                   boolean compare, boolean sweep, Path dir, List<Firmware> firmware, List<Integer> loads,
                   int boards) {
    }

    public static void main(String[] args) {
        int rc = run(Arrays.asList(args), System.out, System.err);
        System.out.flush();
        System.exit(rc);
    }

    /**
     * Runs the benchmark; returns 0, 1 if a run failed or the two emulators disagreed, 2 for bad arguments.
     * Arguments: {@code [--rounds N] [--kinds raw-sparse,raw-full,qcow2] [--payload NAME] [--qemu PATH]
     * [--java-options "FLAGS"] [--sweep | --sweep-only] [--dir DIR] [--firmware uboot,edk2,linux | --no-firmware]
     * [--no-payload] [--load 0,2] [--boards N]}.
     */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("virt: bench board: " + e.getMessage());
            return 2;
        }
        if (options == null) {
            out.print(usage());
            return 0;
        }
        PayloadCatalog payloads = PayloadCatalog.firmware();
        if (!payloads.contains(options.payload())) {
            err.println("virt: bench board: --payload " + options.payload() + ": no embedded payload '"
                    + options.payload() + "', expected one of " + payloads.names());
            return 2;
        }
        try {
            boolean temporary = options.dir() == null;
            Path work = temporary ? Files.createTempDirectory("virt-bench-board-")
                    : Files.createDirectories(options.dir());
            try {
                return new BoardBench(options, out, payloads).run(work);
            } finally {
                if (temporary) {
                    TempTree.delete(work);
                }
            }
        } catch (IOException e) {
            err.println("virt: bench board: " + e.getMessage());
            return 1;
        }
    }

    static String usage() {
        return String.join("\n",
                "usage: virt bench board [--rounds N] [--kinds raw-sparse,raw-full,qcow2] [--payload NAME] [--no-payload]",
                "                        [--firmware uboot,edk2,linux | --no-firmware] [--qemu PATH] [--java-options \"FLAGS\"]",
                "                        [--sweep | --sweep-only] [--dir DIR] [--load N[,N...]] [--boards N]",
                "  runs payload NAME (default: default) in flash bank 0 with an empty bank 1, both images of each kind,",
                "  in us (a JVM running virt with FLAGS, default: this JVM's flags) and in qemu-system-aarch64 -M virt;",
                "  prints flash resident bytes, process RSS and launch-to-exit time (median of N rounds, default 5);",
                "  then boots Debian's U-Boot to \"=>\", AAVMF to \"Shell>\" and Debian's kernel (-kernel, busybox",
                "  initramfs) to its shell in both, typing the keys a person would, and the same kernel with",
                "  scripts/linux-client.sh's modules running mtd_speedtest on bank 1 (with --firmware linux),",
                "  and prints time and CPU time to the prompt, process RSS and flash resident bytes there;",
                "  --no-payload skips the payload rows, --firmware picks the firmware rows, --no-firmware skips them;",
                "  --sweep adds our RSS and time under other JVM flags and translation-buffer sizes;",
                "  everything runs once per --load condition: N busy-loop processes beside both emulators",
                "  (default 0,2: a quiet machine, then two busy loops); each condition also builds, runs and closes",
                "  --boards N default-payload boards in this JVM (default 100, 0 skips) and measures the CFI model's",
                "  bus cycles per second; with the payload rows, payload flash-speed erases, programs and reads back",
                "  all of bank 1 in both (MiB/s); time targets are the issue's: <= 1.0x QEMU",
                "");
    }

    static Options parse(List<String> args) {
        int rounds = DEFAULT_ROUNDS;
        List<ImageKind> kinds = List.of(ImageKind.values());
        String payload = "default";
        String qemu = QEMU;
        List<String> java = null;
        boolean compare = true;
        boolean sweep = false;
        Path dir = null;
        List<Firmware> firmware = List.of(Firmware.values());
        List<Integer> loads = DEFAULT_LOADS;
        int boards = DEFAULT_BOARDS;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--help":
                    return null;
                case "--sweep":
                    sweep = true;
                    break;
                case "--sweep-only":
                    sweep = true;
                    compare = false;
                    break;
                case "--rounds":
                    String n = value(args, i++, arg);
                    try {
                        rounds = Integer.parseInt(n);
                    } catch (NumberFormatException e) {
                        rounds = 0;
                    }
                    if (rounds < 1 || rounds > 1000) {
                        throw new IllegalArgumentException("--rounds " + n + ": expected a number from 1 to 1000");
                    }
                    break;
                case "--kinds":
                    List<ImageKind> list = new ArrayList<>();
                    for (String k : value(args, i++, arg).split(",")) {
                        list.add(ImageKind.of(k.strip()));
                    }
                    kinds = List.copyOf(list);
                    break;
                case "--payload":
                    payload = value(args, i++, arg);
                    break;
                case "--qemu":
                    qemu = value(args, i++, arg);
                    break;
                case "--java-options":
                    String flags = value(args, i++, arg).strip();
                    java = flags.isEmpty() ? List.of() : List.of(flags.split("\\s+"));
                    break;
                case "--firmware":
                    List<Firmware> picked = new ArrayList<>();
                    for (String f : value(args, i++, arg).split(",")) {
                        picked.add(Firmware.of(f.strip()));
                    }
                    firmware = List.copyOf(picked);
                    break;
                case "--no-firmware":
                    firmware = List.of();
                    break;
                case "--no-payload":
                    kinds = List.of();
                    break;
                case "--load":
                    List<Integer> counts = new ArrayList<>();
                    String spec = value(args, i++, arg);
                    for (String c : spec.split(",")) {
                        counts.add(count(arg, spec, c.strip(), 16));
                    }
                    loads = List.copyOf(counts);
                    break;
                case "--boards":
                    String b = value(args, i++, arg);
                    boards = count(arg, b, b, 10000);
                    break;
                case "--dir":
                    dir = Path.of(value(args, i++, arg));
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument '" + arg + "', see virt bench board --help");
            }
        }
        if (java == null) {
            java = ManagementFactory.getRuntimeMXBean().getInputArguments();
        }
        return new Options(rounds, kinds, payload, qemu, List.copyOf(java), compare, sweep, dir, firmware, loads,
                boards);
    }

    /** A count from 0 to {@code max} given to {@code option} (as part of {@code spec}). */
    private static int count(String option, String spec, String text, int max) {
        try {
            int n = Integer.parseInt(text);
            if (n >= 0 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " " + spec + ": '" + text + "', expected a number from 0 to " + max);
    }

    private static String value(List<String> args, int i, String option) {
        if (i + 1 >= args.size()) {
            throw new IllegalArgumentException("option " + option + " needs a value");
        }
        return args.get(i + 1);
    }

    private int run(Path work) throws IOException {
        byte[] payload = payloads.load(options.payload()).orElseThrow();
        boolean ok = true;
        out.printf(Locale.ROOT, "virt bench board: %s; ours: java %s; QEMU: %s%n",
                options.kinds().isEmpty() ? "firmware only"
                        : "payload '" + options.payload() + "' in flash bank 0, empty bank 1, 2 x 64 MiB",
                String.join(" ", options.javaOptions()), qemuVersion());
        if (options.compare()) {
            for (int load : options.loads()) {
                try (BusyLoad busy = BusyLoad.start(load)) {
                    out.printf(Locale.ROOT, "%n=== condition: %s ===%n", busy.label());
                    ok &= condition(work, payload);
                }
            }
            if (options.firmware().contains(Firmware.LINUX)) {
                ok &= new LinuxMtdBench(options.javaOptions(), options.qemu(), out).compare(work);
            }
        }
        if (options.sweep()) {
            ok &= sweep(work, payload);
        }
        return ok ? 0 : 1;
    }

    /** Every row once, under the load that runs now. */
    private boolean condition(Path work, byte[] payload) throws IOException {
        boolean ok = true;
        qemuPayloadMillis = 0;
        for (ImageKind kind : options.kinds()) {
            ok &= compare(work, kind, payload);
        }
        if (!options.kinds().isEmpty()) {
            byte[] speed = payloads.load(FlashSpeedBench.PAYLOAD).orElseThrow();
            ok &= new FlashSpeedBench(options.javaOptions(), options.qemu(), out).compare(work, speed);
        }
        if (options.boards() > 0) {
            ok &= inProcess(work, payload);
        }
        cycles();
        FirmwareBench firmware = new FirmwareBench(options.rounds(), options.javaOptions(), options.qemu(), out);
        for (Firmware f : options.firmware()) {
            ok &= firmware.compare(work, f);
        }
        return ok;
    }

    /** Issue 17, point 3: boards in a row in this JVM, the median per board against the goal. */
    private boolean inProcess(Path work, byte[] payload) throws IOException {
        out.printf(Locale.ROOT, "%nin-process: %d boards (payload '%s', sparse raw images) built, run and closed one"
                + " after another in this JVM%n", options.boards(), options.payload());
        InProcessBench.Result r = InProcessBench.run(payload, options.boards(), work);
        if (r.failure() != null) {
            out.printf(Locale.ROOT, "  failed: %s%n", r.failure());
            return false;
        }
        double median = r.median();
        out.printf(Locale.ROOT, "  per board: median %.1f ms, first %.1f ms%s%n", median, r.first(),
                qemuPayloadMillis > 0 ? String.format(Locale.ROOT, "; one QEMU process (launch to exit, sparse raw row): %.0f ms,"
                        + " %.1fx the median", qemuPayloadMillis, qemuPayloadMillis / median) : "");
        out.printf(Locale.ROOT, "  target: median per board <= %.0f ms: %s (%.1f ms)%n", InProcessBench.TARGET_MILLIS,
                FirmwareBench.yes(median <= InProcessBench.TARGET_MILLIS), median);
        return true;
    }

    /** Issue 17, point 4: the CFI model's bus cycles per second, without Unicorn. */
    private void cycles() throws IOException {
        out.printf(Locale.ROOT, "%nCFI model (PflashCfi01 without Unicorn), bus cycles per second, %.1f s each:%n",
                CYCLE_SECONDS);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"cycles", "million/s", String.format(Locale.ROOT, ">= %.0f million/s",
                PflashCycleBench.TARGET_CYCLES_PER_SECOND / 1e6)});
        for (PflashCycleBench.Figure f : PflashCycleBench.run(CYCLE_SECONDS)) {
            rows.add(new String[] {f.name(), String.format(Locale.ROOT, "%.1f", f.cyclesPerSecond() / 1e6),
                FirmwareBench.yes(f.cyclesPerSecond() >= PflashCycleBench.TARGET_CYCLES_PER_SECOND)});
        }
        out.print(table(rows));
    }

    /** One image kind, ours against QEMU. */
    private boolean compare(Path work, ImageKind kind, byte[] payload) throws IOException {
        out.printf(Locale.ROOT, "%nimages: %s%n", kind.label());
        TimedProcess.Result ours = ours(work, kind, payload, options.javaOptions(), List.of(), true);
        if (ours.exitCode() != 0 || ours.stdout().lines().noneMatch(l -> l.startsWith("{\"banks\""))) {
            out.printf(Locale.ROOT, "  ours: not measured, exit %d: %s%n", ours.exitCode(), firstLine(ours.stderr()));
            return kind == ImageKind.QCOW2 && ours.stderr().contains("qcow2"); // qcow2 may not be there yet
        }
        TimedProcess.Result qemu = qemu(work, kind, payload, true);
        if (qemu.exitCode() != 0) {
            out.printf(Locale.ROOT, "  QEMU: not measured, exit %d: %s%n", qemu.exitCode(), firstLine(qemu.stderr()));
            return false;
        }
        double[] oursTimes = new double[options.rounds()];
        double[] qemuTimes = new double[options.rounds()];
        for (int r = 0; r < options.rounds(); r++) {
            oursTimes[r] = ours(work, kind, payload, options.javaOptions(), List.of(), false).millis();
            qemuTimes[r] = qemu(work, kind, payload, false).millis();
        }
        long oursFlash = sum(RESIDENT, report(ours));
        long oursRss = sum(VM_RSS, report(ours));
        ProcessProbe.Sample q = qemu.sample();
        boolean sameConsole = console(ours).equals(qemu.stdout());
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"metric", "ours", "QEMU", "ours/QEMU"});
        rows.add(row("flash resident, both banks", oursFlash, q.maxMappingRss()));
        rows.add(row("process RSS at payload exit", oursRss, q.lastVmRss()));
        rows.add(row("process RSS peak (VmHWM)", ours.sample().vmHwm(), q.vmHwm()));
        double ot = median(oursTimes);
        double qt = median(qemuTimes);
        rows.add(new String[] {"launch to exit, median of " + options.rounds(),
            String.format(Locale.ROOT, "%.0f ms", ot), String.format(Locale.ROOT, "%.0f ms", qt),
            String.format(Locale.ROOT, "%.2f", ot / qt)});
        out.print(table(rows));
        if (kind == ImageKind.RAW_SPARSE || qemuPayloadMillis == 0) {
            qemuPayloadMillis = qt;
        }
        out.printf(Locale.ROOT, "  target: launch to exit <= %.1fx QEMU: %s (%.2fx)%n", TIME_TARGET,
                FirmwareBench.yes(ot / qt <= TIME_TARGET), ot / qt);
        out.printf(Locale.ROOT, "  same console and exit code: %s; QEMU flash mappings found: %d (%d samples)%n",
                sameConsole ? "yes" : "NO", q.mappingsFound(), q.samples());
        return sameConsole && q.mappingsFound() == 2;
    }

    /** Our RSS and time under other JVM flags and translation-buffer sizes (raw-sparse images). */
    private boolean sweep(Path work, byte[] payload) throws IOException {
        out.printf(Locale.ROOT, "%nsweep (ours only, raw-sparse images, median of %d rounds; RSS at the payload's exit"
                + " from the RSS report, peak from VmHWM)%n", options.rounds());
        List<String> now = options.javaOptions();
        List<Variant> variants = List.of(
                new Variant("old ./virt: " + String.join(" ", OLD_VIRT_FLAGS), OLD_VIRT_FLAGS, List.of()),
                new Variant("old + -XX:TieredStopAtLevel=1", plus(OLD_VIRT_FLAGS, List.of("-XX:TieredStopAtLevel=1")),
                        List.of()),
                new Variant("old + -Xms8m", plus(OLD_VIRT_FLAGS, List.of("-Xms8m")), List.of()),
                new Variant("old + -Xmx64m", plus(OLD_VIRT_FLAGS, List.of("-Xmx64m")), List.of()),
                new Variant("old + -Xshare:off (no class-data sharing)", plus(OLD_VIRT_FLAGS, List.of("-Xshare:off")),
                        List.of()),
                new Variant("old + -XX:-UseCompressedOops", plus(OLD_VIRT_FLAGS, List.of("-XX:-UseCompressedOops")),
                        List.of()),
                new Variant("this run's: " + String.join(" ", now), now, List.of()),
                new Variant("this run's + -accel tcg,tb-size=4", now, List.of("-accel", "tcg,tb-size=4")),
                new Variant("this run's + -accel tcg,tb-size=8", now, List.of("-accel", "tcg,tb-size=8")),
                new Variant("this run's + -accel tcg,tb-size=32", now, List.of("-accel", "tcg,tb-size=32")));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"JVM flags", "RSS at exit", "peak RSS", "launch to exit"});
        boolean ok = true;
        for (Variant v : variants) {
            double[] times = new double[options.rounds()];
            long[] rss = new long[options.rounds()];
            long[] peak = new long[options.rounds()];
            ours(work, ImageKind.RAW_SPARSE, payload, v.flags(), v.virtArgs(), false); // warm-up
            boolean failed = false;
            for (int r = 0; r < options.rounds(); r++) {
                TimedProcess.Result res = ours(work, ImageKind.RAW_SPARSE, payload, v.flags(), v.virtArgs(), true);
                if (res.exitCode() != 0) {
                    rows.add(new String[] {v.label(), "failed: exit " + res.exitCode(), firstLine(res.stderr()), ""});
                    failed = true;
                    ok = false;
                    break;
                }
                times[r] = res.millis();
                rss[r] = sum(VM_RSS, report(res));
                peak[r] = res.sample().vmHwm();
            }
            if (!failed) {
                rows.add(new String[] {v.label(), Sizes.human(median(rss)), Sizes.human(median(peak)),
                    String.format(Locale.ROOT, "%.0f ms", median(times))});
            }
        }
        out.print(table(rows));
        return ok;
    }

    /** JVM flags, and options for virt itself. */
    private record Variant(String label, List<String> flags, List<String> virtArgs) {
    }

    private TimedProcess.Result ours(Path work, ImageKind kind, byte[] payload, List<String> javaOptions,
                                     List<String> virtArgs, boolean sample) throws IOException {
        Path dir = Files.createTempDirectory(work, "ours-");
        try {
            Path f0 = kind.create(dir.resolve("flash0"), payload);
            Path f1 = kind.create(dir.resolve("flash1"), new byte[0]);
            List<String> cmd = new ArrayList<>();
            cmd.add(javaExecutable());
            cmd.addAll(javaOptions);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), VIRT_MAIN_CLASS));
            cmd.addAll(boardOptions(kind, f0, f1));
            cmd.addAll(virtArgs);
            cmd.add("--rss-report=json");
            return TimedProcess.run(cmd, dir, sample, 0, RUN_TIMEOUT_SECS);
        } finally {
            TempTree.delete(dir);
        }
    }

    private TimedProcess.Result qemu(Path work, ImageKind kind, byte[] payload, boolean sample) throws IOException {
        Path dir = Files.createTempDirectory(work, "qemu-");
        try {
            Path f0 = kind.create(dir.resolve("flash0"), payload);
            Path f1 = kind.create(dir.resolve("flash1"), new byte[0]);
            List<String> cmd = new ArrayList<>();
            cmd.add(options.qemu());
            cmd.addAll(boardOptions(kind, f0, f1));
            return TimedProcess.run(cmd, dir, sample, ImageKind.BANK_SIZE, RUN_TIMEOUT_SECS);
        } finally {
            TempTree.delete(dir);
        }
    }

    /** The command line both emulators get (QEMU's spelling). */
    static List<String> boardOptions(ImageKind kind, Path flash0, Path flash1) {
        return List.of("-M", "virt", "-cpu", "cortex-a57", "-m", "128M", "-nographic", "-nic", "none",
                "-semihosting",
                "-drive", "if=pflash,unit=0,format=" + kind.format() + ",file=" + flash0,
                "-drive", "if=pflash,unit=1,format=" + kind.format() + ",file=" + flash1);
    }

    private String qemuVersion() {
        try {
            TimedProcess.Result r = TimedProcess.run(List.of(options.qemu(), "--version"),
                    Path.of(System.getProperty("java.io.tmpdir")), false, 0, 30);
            return firstLine(r.stdout());
        } catch (IOException e) {
            return options.qemu() + " (" + e.getMessage() + ")";
        }
    }

    static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** The RSS report line of our run. */
    private static String report(TimedProcess.Result ours) {
        return ours.stdout().lines().filter(l -> l.startsWith("{\"banks\"")).reduce((a, b) -> b).orElse("");
    }

    /** Our console: stdout without the RSS report line. */
    private static String console(TimedProcess.Result ours) {
        String s = ours.stdout();
        String report = report(ours);
        int at = s.lastIndexOf(report);
        return at < 0 ? s : s.substring(0, at);
    }

    /** The sum of every match of {@code pattern}'s number in {@code json}. */
    static long sum(Pattern pattern, String json) {
        long total = 0;
        Matcher m = pattern.matcher(json);
        while (m.find()) {
            total += Long.parseLong(m.group(1));
        }
        return total;
    }

    static String[] row(String metric, long ours, long qemu) {
        return new String[] {metric, Sizes.human(ours), Sizes.human(qemu),
            qemu <= 0 ? "-" : String.format(Locale.ROOT, "%.4f", (double) ours / qemu)};
    }

    /** Left-aligned first column, right-aligned others, two spaces apart, each line indented by two. */
    static String table(List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < r.length; i++) {
                String pad = " ".repeat(width[i] - r[i].length());
                line.append(i == 0 ? r[i] + pad : pad + r[i]).append("  ");
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    private static List<String> plus(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static long median(long[] values) {
        long[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String firstLine(String s) {
        return s.strip().lines().findFirst().orElse("");
    }
}
