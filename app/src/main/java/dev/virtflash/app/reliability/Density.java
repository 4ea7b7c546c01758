package dev.virtflash.app.reliability;

import dev.virtflash.hw.block.SharedImages;
import dev.virtflash.hw.pflash.PflashCfi01;
import dev.virtflash.memory.NativeMemory;
import dev.virtflash.memory.ProcessMappings;
import dev.virtflash.memory.Residency;
import dev.virtflash.memory.ResourceStack;
import dev.virtflash.virt.VirtMachine;
import dev.virtflash.firmware.PayloadCatalog;
import dev.virtflash.virt.cpu.CpuExit;
import dev.virtflash.virt.cpu.UnicornCpu;
import dev.virtflash.virt.devices.ConsoleSource;
import dev.virtflash.testkit.ConsoleLog;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Many boards in one JVM (issue 9, acceptance 3): {@code N} machines, each with its own two 64 MiB raw banks (flash0
 * holding the default payload, flash1 blank), run the default payload on {@code N} threads at the same time; every
 * one must print {@code PASS} and exit 0. Prints the process RSS before the first board, with one board that has
 * run, and with all {@code N} that have run (all still open), and the RSS each board adds beyond the first.
 *
 * <pre>
 * java -cp CP dev.virtflash.app.reliability.Density [--boards N] [--tb-size MIB] [--dir DIR]
 * java -cp CP dev.virtflash.app.reliability.Density --sweep 2,4,8,16 [--boards N]
 * </pre>
 * {@code --tb-size} is the boards' translation buffer (the board option {@code translationBufferMiB}, QEMU's
 * {@code -accel tcg,tb-size=N}; default 4). {@code --sweep} runs one child JVM per translation-buffer size (so that
 * one size's memory does not hide another's) and prints a table.
 * Exit code 0 when every board passed.
 */
public final class Density {

    /** The figures of one run; sizes in bytes. */
    public record Result(int boards, int tcgBufferMiB, long rssBefore, long rssWarm, long rssOneBoard,
                         long rssAllBoards, long rssAfterClose, long flashResidentPerBoard, List<String> failures,
                         Duration runTime, long boardMappingsAfterClose) {

        /** {@code rssAfterClose} over {@code rssWarm}, less one: 0.05 means 5 % more than after the warm-up. */
        public double afterCloseOverWarm() {
            return (double) rssAfterClose / rssWarm - 1;
        }

        /** {@code rssAfterClose} over {@code rssBefore}, less one. */
        public double afterCloseOverBefore() {
            return (double) rssAfterClose / rssBefore - 1;
        }

        /** RSS added by each board beyond the first. */
        public long perBoardBeyondFirst() {
            return boards < 2 ? 0 : (rssAllBoards - rssOneBoard) / (boards - 1);
        }

        /** One line with every figure, {@code key=value}; {@link #parse} reads it back. */
        public String line() {
            return String.format("density: boards=%d tcgBufferMiB=%d rssBefore=%d rssWarm=%d rssOne=%d rssAll=%d "
                            + "rssAfterClose=%d perBoard=%d flashPerBoard=%d failed=%d seconds=%.2f "
                            + "boardMappingsAfterClose=%d", boards,
                    tcgBufferMiB, rssBefore, rssWarm, rssOneBoard, rssAllBoards, rssAfterClose, perBoardBeyondFirst(),
                    flashResidentPerBoard, failures.size(), runTime.toMillis() / 1000.0, boardMappingsAfterClose);
        }
    }

    /**
     * glibc malloc arenas for a process that runs many boards on many threads: one, so that closing the boards gives
     * back what they allocated (see {@link NativeMemory#limitMallocArenas}).
     */
    public static final int RIG_MALLOC_ARENAS = 1;

    /** Console bytes kept per board: more than the default payload prints in a run (its verdict is its last line). */
    private static final int CONSOLE_BYTES = 4096;
    private static final String PASS_LINE = "\nPASS\n";

    private static final Pattern LINE = Pattern.compile("density: boards=(\\d+) tcgBufferMiB=(\\d+) rssBefore=(\\d+) "
            + "rssWarm=\\d+ rssOne=(\\d+) rssAll=(\\d+) rssAfterClose=(\\d+) perBoard=(-?\\d+) "
            + "flashPerBoard=(\\d+) failed=(\\d+) seconds=([0-9.]+)");

    private Density() {
    }

    public static void main(String[] args) {
        NativeMemory.limitMallocArenas(RIG_MALLOC_ARENAS);
        System.exit(run(Arrays.asList(args), System.out));
    }

    /** The command line described above; returns the exit code. */
    public static int run(List<String> args, PrintStream out) {
        int boards = 16;
        Path dir = null;
        String sweep = null;
        int tbSize = UnicornCpu.DEFAULT_TRANSLATION_BUFFER_MIB;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (i + 1 >= args.size()) {
                out.println("Density: option " + a + " needs a value");
                return 2;
            }
            String v = args.get(++i);
            switch (a) {
                case "--boards":
                    boards = Integer.parseInt(v);
                    break;
                case "--dir":
                    dir = Path.of(v);
                    break;
                case "--sweep":
                    sweep = v;
                    break;
                case "--tb-size":
                    tbSize = Integer.parseInt(v);
                    break;
                default:
                    out.println("Density: unknown option " + a + ", expected --boards N, --tb-size MIB, --dir DIR or --sweep LIST");
                    return 2;
            }
        }
        if (boards < 1) {
            out.println("Density: --boards " + boards + ", expected at least 1");
            return 2;
        }
        try {
            if (sweep != null) {
                return sweep(boards, sweep, out);
            }
            Path where = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("virtflash-density-");
            Result r = measure(boards, where, tbSize);
            printResult(r, out);
            out.println(r.line());
            return r.failures().isEmpty() ? 0 : 1;
        } catch (IOException | InterruptedException e) {
            out.println("Density: " + e);
            return 1;
        }
    }

    /** Prints a human-readable account of {@code r}. */
    public static void printResult(Result r, PrintStream out) {
        out.printf("%d boards, translation buffer %d MiB, default payload on %d threads at once: %s in %.2f s%n",
                r.boards(), r.tcgBufferMiB(), r.boards(), r.failures().isEmpty() ? "all PASS"
                        : r.failures().size() + " FAILED " + r.failures(), r.runTime().toMillis() / 1000.0);
        out.printf("  RSS before the first board %s, after a warm-up board (run and closed) %s, with one board %s, "
                        + "with %d boards %s, after closing them %s%n", mib(r.rssBefore()), mib(r.rssWarm()),
                mib(r.rssOneBoard()), r.boards(), mib(r.rssAllBoards()), mib(r.rssAfterClose()));
        out.printf("  after closing: %+.1f %% over the warm-up, %+.1f %% over before the first board%n",
                100 * r.afterCloseOverWarm(), 100 * r.afterCloseOverBefore());
        out.printf("  RSS per board beyond the first: %s (of which flash contents %s)%n", mib(r.perBoardBeyondFirst()),
                mib(r.flashResidentPerBoard()));
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    /** Runs {@code boards} boards with their images in {@code dir} (kept) and measures. */
    public static Result measure(int boards, Path dir) throws IOException, InterruptedException {
        return measure(boards, dir, UnicornCpu.DEFAULT_TRANSLATION_BUFFER_MIB);
    }

    /** As {@link #measure(int, Path)}, each board with a translation buffer of {@code tbSizeMiB} MiB. */
    public static Result measure(int boards, Path dir, int tbSizeMiB) throws IOException, InterruptedException {
        byte[] payload = PayloadCatalog.firmware().load("default").orElseThrow(() ->
                new IOException("the default payload is not on the class path"));
        Path flash0 = dir.resolve("payload-flash0.img");
        try (RandomAccessFile f = new RandomAccessFile(flash0.toFile(), "rw")) {
            f.setLength(0);
            f.write(payload);
            f.setLength(PflashCfi01.VIRT_BANK_SIZE);
        }
        SharedImages shared = new SharedImages(); // every board reads the one payload image: one copy
        long rssBefore = Residency.process().vmRss();
        List<VirtMachine> machines = new ArrayList<>();
        List<ConsoleLog> consoles = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        // A warm-up board, run and closed: what one board leaves in any process (Unicorn's code pages, the classes
        // and JIT code of the binding) is counted apart from what many boards leave.
        addBoard(machines, consoles, dir, flash0, shared, tbSizeMiB);
        runAll(machines, consoles, failures, 0);
        closeAll(machines);
        machines.clear();
        consoles.clear();
        giveBackHeaps();
        long rssWarm = Residency.process().vmRss();
        List<ProcessMappings.Mapping> mapsWarm = ProcessMappings.sample();
        long start = System.nanoTime();
        try {
            addBoard(machines, consoles, dir, flash0, shared, tbSizeMiB);
            runAll(machines, consoles, failures, 0);
            long rssOne = Residency.process().vmRss();
            for (int i = 1; i < boards; i++) {
                addBoard(machines, consoles, dir, flash0, shared, tbSizeMiB);
            }
            runAll(machines, consoles, failures, 1);
            Duration time = Duration.ofNanos(System.nanoTime() - start);
            long rssAll = Residency.process().vmRss();
            long flash = 0;
            for (VirtMachine m : machines) {
                for (int unit = 0; unit < 2; unit++) {
                    flash += Residency.residentBytes(m.flash(unit).region().memory());
                }
            }
            closeAll(machines);
            machines.clear();
            consoles.clear();
            giveBackHeaps();
            long rssAfter = Residency.process().vmRss();
            return new Result(boards, tbSizeMiB, rssBefore, rssWarm, rssOne, rssAll,
                    rssAfter, flash / boards, failures, time, boardMappings(mapsWarm, ProcessMappings.sample()));
        } finally {
            closeAll(machines);
        }
    }

    /**
     * The tool owns its process, so it gives back what closed boards left on its heaps: a collection frees the boards'
     * objects, and with them the native buffers they held (the image loader's direct buffers, freed by their
     * cleaners into glibc's arenas), then glibc's arenas are trimmed.
     */
    private static void giveBackHeaps() {
        System.gc();
        NativeMemory.trimMallocArenas();
    }

    /**
     * Bytes of the new anonymous mappings since {@code before} that look like a board's: executable (a translation
     * buffer) or at least a bank's 64 MiB (RAM, a bank). glibc's cached thread stacks and a grown {@code brk} heap are
     * new address space too, but no board's.
     */
    private static long boardMappings(List<ProcessMappings.Mapping> before, List<ProcessMappings.Mapping> after) {
        long bytes = 0;
        for (ProcessMappings.Mapping m : ProcessMappings.newSince(before, after)) {
            if (m.path().isEmpty() && (m.perms().contains("x") || m.size() >= PflashCfi01.VIRT_BANK_SIZE)) {
                bytes += m.size();
            }
        }
        return bytes;
    }

    private static void addBoard(List<VirtMachine> machines, List<ConsoleLog> consoles, Path dir,
                                 Path flash0, SharedImages shared, int tbSizeMiB) throws IOException {
        int n = machines.size();
        Path flash1 = dir.resolve("board" + n + "-flash1.img");
        long bank = PflashCfi01.VIRT_BANK_SIZE;
        try (RandomAccessFile f = new RandomAccessFile(flash1.toFile(), "rw")) {
            f.setLength(0);
            f.setLength(bank);
        }
        ConsoleLog console = new ConsoleLog(CONSOLE_BYTES, null);
        VirtMachine m = VirtMachine.builder().flashImage(0, flash0, "raw", true).flashImage(1, flash1, "raw", false)
                .sharedImages(shared).translationBufferMiB(tbSizeMiB).console(console, ConsoleSource.none()).build();
        machines.add(m);
        consoles.add(console);
    }

    /**
     * Runs every machine at the same time, one thread each; machines {@code 0..from-1} have run before and are reset
     * first, their earlier output passed over. Records each one that fails.
     */
    private static void runAll(List<VirtMachine> machines, List<ConsoleLog> consoles, List<String> failures,
                               int from) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        CpuExit[] exits = new CpuExit[machines.size()];
        for (int i = 0; i < from; i++) {
            machines.get(i).reset();
            consoles.get(i).drain();
        }
        for (int i = 0; i < machines.size(); i++) {
            int n = i;
            Thread t = new Thread(() -> exits[n] = machines.get(n).run(Duration.ofMinutes(2)), "board-" + n);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(3));
        }
        for (int i = 0; i < machines.size(); i++) {
            boolean pass = exits[i] instanceof CpuExit.SemihostingExit && exits[i].suggestedExitCode() == 0
                    && consoles.get(i).consume(PASS_LINE) != null;
            if (!pass) {
                failures.add("board " + i + ": " + (exits[i] == null ? "did not finish" : exits[i].describe()));
            }
        }
    }

    private static void closeAll(List<VirtMachine> machines) throws IOException {
        ResourceStack all = new ResourceStack();
        machines.forEach(all::push);
        all.close();
    }

    private static int sweep(int boards, String sizes, PrintStream out) throws IOException, InterruptedException {
        out.printf("%-22s %10s %10s %14s %16s %12s %8s%n", "translation buffer", "RSS 1 bd", "RSS all",
                "per board", "flash per board", "after close", "result");
        int rc = 0;
        for (String s : sizes.split(",")) {
            int mib = Integer.parseInt(s.strip());
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Density.class.getName(),
                    "--boards", Integer.toString(boards), "--tb-size", Integer.toString(mib));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            Matcher m = LINE.matcher(text);
            if (!m.find()) {
                out.println(mib + " MiB: no result line, output:\n" + text);
                rc = 1;
                continue;
            }
            boolean ok = p.exitValue() == 0 && m.group(9).equals("0");
            rc |= ok ? 0 : 1;
            out.printf("%-22s %10s %10s %14s %16s %12s %8s%n", mib + " MiB x " + m.group(1) + " boards",
                    mib(Long.parseLong(m.group(4))), mib(Long.parseLong(m.group(5))), mib(Long.parseLong(m.group(7))),
                    mib(Long.parseLong(m.group(8))), mib(Long.parseLong(m.group(6))), ok ? "PASS" : "FAIL");
        }
        return rc;
    }
}
