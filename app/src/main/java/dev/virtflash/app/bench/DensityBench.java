package dev.virtflash.app.bench;

import dev.virtflash.app.reliability.Density;
import dev.virtflash.firmware.PayloadCatalog;
import dev.virtflash.hw.block.SharedImages;
import dev.virtflash.memory.NativeMemory;
import dev.virtflash.memory.Residency;
import dev.virtflash.memory.SharedPages;
import dev.virtflash.testkit.FlashFootprint;
import dev.virtflash.testkit.MachineSetup;
import dev.virtflash.testkit.TestMachine;
import dev.virtflash.virt.cpu.UnicornCpu;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code virt bench density}: many boards at once, ours in this one JVM against QEMU as users run it (one
 * {@code qemu-system-aarch64} process per board), side by side (issue 18, acceptance 4):
 * <ul>
 *   <li><b>AAVMF</b>: {@code N} boards boot Debian's AAVMF to {@code Shell>}, {@code AAVMF_CODE.fd} read-only in
 *   flash0 (ours: one {@link SharedImages} registry, so one copy of its pages for all boards) and a blank variable
 *   store of their own in flash1 (the first boot builds it); ours merge their RAM into one {@link SharedPages} pool,
 *   and each is measured after its first merge at the prompt. Figures at the prompt: the flash memory of all boards
 *   together (ours: each shared image counted once, plus each board's own pages; QEMU: the {@code Rss} of both
 *   64 MiB bank mappings of every process) against the bound "one copy of CODE's data plus the VARS pages each
 *   board wrote"; and RSS per board (ours: beyond the first, from {@code VmRSS} plus the pool's pages, which no
 *   process counts while unmapped, with one board and with all;
 *   QEMU: the mean {@code VmRSS} of its processes), with the goal of at most 1/10 of one QEMU process.</li>
 *   <li><b>U-Boot</b>: the same for {@code N} boards with {@code -bios u-boot.bin} (its file pages counted once) and
 *   an empty flash1 each, at {@code =>}; no target (the is AAVMF's).</li>
 *   <li><b>Payload boards</b>: {@link Density#measure} ({@code N} default-payload boards on {@code N} threads at the
 *   default translation buffer) against the target of at most 8 MiB per board beyond the first, and what closing
 *   them gives back.</li>
 * </ul>
 * Run through {@code ./virt} (its JVM flags are the ones measured). Self-contained: no other bench class depends on it.
 */
public final class DensityBench {

    private static final long MIB = 1 << 20;
    private static final Duration STEP = Duration.ofSeconds(300);
    /** An idle board merges its RAM within about two seconds, a polling one (U-Boot) within six; under load, later. */
    private static final Duration MERGE_WAIT = Duration.ofSeconds(60);
    private static final long QEMU_STEP_SECS = 300;
    private static final String QEMU = "qemu-system-aarch64";

    private DensityBench() {
    }

    /**
     * The command line: {@code [--boards N] [--qemu-boards N] [--dir DIR] [--no-aavmf] [--no-uboot] [--no-payload]}.
     */
    public static int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        int boards = 16;
        int qemuBoards = -1;
        Path dir = null;
        boolean aavmf = true;
        boolean uboot = true;
        boolean payload = true;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--no-aavmf" -> aavmf = false;
                case "--no-uboot" -> uboot = false;
                case "--no-payload" -> payload = false;
                case "--boards", "--qemu-boards", "--dir" -> {
                    if (i + 1 >= args.size()) {
                        err.println("virt: bench density " + a + " needs a value");
                        return 2;
                    }
                    String v = args.get(++i);
                    if (a.equals("--dir")) {
                        dir = Path.of(v);
                    } else {
                        int n;
                        try {
                            n = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            n = 0;
                        }
                        if (n < 2) {
                            err.println("virt: bench density " + a + " " + v + ": expected a number of boards, at "
                                    + "least 2");
                            return 1;
                        }
                        if (a.equals("--boards")) {
                            boards = n;
                        } else {
                            qemuBoards = n;
                        }
                    }
                }
                default -> {
                    err.println("virt: bench density: unknown option " + a + ", expected --boards N, --qemu-boards N,"
                            + " --dir DIR, --no-aavmf, --no-uboot or --no-payload");
                    return 2;
                }
            }
        }
        NativeMemory.limitMallocArenas(Density.RIG_MALLOC_ARENAS);
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("virtflash-density-");
        out.printf(Locale.ROOT, "virt bench density: %d boards in this JVM, %d QEMU 7.2 processes; in %s%n", boards,
                qemuBoards < 0 ? boards : qemuBoards, work);
        int rc = 0;
        if (payload) {
            rc |= payloadRows(boards, qemuBoards < 0 ? boards : qemuBoards,
                    Files.createDirectories(work.resolve("payload")), out);
        }
        if (aavmf) {
            rc |= firmwareRows(Firmware.EDK2, boards, qemuBoards < 0 ? boards : qemuBoards,
                    Files.createDirectories(work.resolve("aavmf")), out);
        }
        if (uboot) {
            rc |= firmwareRows(Firmware.UBOOT, boards, qemuBoards < 0 ? boards : qemuBoards,
                    Files.createDirectories(work.resolve("uboot")), out);
        }
        return rc;
    }

    private static int payloadRows(int boards, int qemuBoards, Path dir, PrintStream out) throws Exception {
        Density.Result r = Density.measure(boards, dir, UnicornCpu.DEFAULT_TRANSLATION_BUFFER_MIB);
        long qemuPerBoard = qemuPayloadPeak(qemuBoards, dir);
        out.printf(Locale.ROOT, "%n%d payload boards (default payload, %d MiB translation buffer, one thread each): "
                + "%s in %.1f s%n", boards, r.tcgBufferMiB(), r.failures().isEmpty() ? "all PASS"
                : "FAILED " + r.failures(), r.runTime().toMillis() / 1000.0);
        boolean perBoard = r.perBoardBeyondFirst() <= 8 * MIB;
        boolean back = r.afterCloseOverWarm() <= 0.10;
        out.printf(Locale.ROOT, "| | ours | QEMU 7.2 (%d processes at once) | ours/QEMU | target |%n"
                + "|---|---|---|---|---|%n", qemuBoards);
        out.printf(Locale.ROOT, "| RSS per board (ours: beyond the first; QEMU: mean peak VmHWM) | %s | %s | %.3f | "
                        + "<= 8 MiB (%s) |%n", mib(r.perBoardBeyondFirst()), mib(qemuPerBoard),
                (double) r.perBoardBeyondFirst() / qemuPerBoard, perBoard ? "met" : "NOT MET");
        out.printf(Locale.ROOT, "| RSS: before the first board, after a warm-up board, with %d boards | %s, %s, %s"
                + " | | | |%n", boards, mib(r.rssBefore()), mib(r.rssWarm()), mib(r.rssAllBoards()));
        out.printf(Locale.ROOT, "| RSS after closing all %d | %s (%+.1f %% over the warm-up, %+.1f %% over before "
                        + "the first) | (processes end) | | <= +10 %% (%s) |%n", boards, mib(r.rssAfterClose()),
                100 * r.afterCloseOverWarm(), 100 * r.afterCloseOverBefore(), back ? "met (over the warm-up)"
                        : "NOT MET");
        return r.failures().isEmpty() ? 0 : 1;
    }

    /**
     * {@code boards} QEMU processes running the default payload at once (sparse raw images, as ours): the mean of their
     * peak resident memory ({@code VmHWM}, sampled every 2 ms: a payload process ends within a second).
     */
    private static long qemuPayloadPeak(int boards, Path dir) throws Exception {
        byte[] payload = PayloadCatalog.firmware().load("default").orElseThrow(() ->
                new IOException("the default payload is not on the class path"));
        ExecutorService pool = Executors.newFixedThreadPool(boards);
        try {
            List<Future<TimedProcess.Result>> runs = new ArrayList<>();
            for (int i = 0; i < boards; i++) {
                Path d = Files.createDirectories(dir.resolve("qemu-" + i));
                Path f0 = ImageKind.RAW_SPARSE.create(d.resolve("flash0"), payload);
                Path f1 = ImageKind.RAW_SPARSE.create(d.resolve("flash1"), new byte[0]);
                List<String> cmd = new ArrayList<>();
                cmd.add(QEMU);
                cmd.addAll(BoardBench.boardOptions(ImageKind.RAW_SPARSE, f0, f1));
                runs.add(pool.submit(() -> TimedProcess.run(cmd, d, true, FirmwareBench.BANK_SIZE, QEMU_STEP_SECS)));
            }
            long sum = 0;
            for (Future<TimedProcess.Result> f : runs) {
                TimedProcess.Result r = f.get();
                if (r.exitCode() != 0) {
                    throw new IOException("QEMU's default payload run exited with " + r.exitCode() + ": "
                            + r.stderr().strip());
                }
                sum += r.sample().vmHwm();
            }
            return sum / boards;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Figures of firmware boards at the prompt. */
    private record FirmwareFigures(long rssOne, long rssAll, long flashAll, long codeData, long varsWritten) {
    }

    /** The title of a firmware's rows: what its boards boot and how. */
    private static String title(Firmware fw) {
        return fw == Firmware.EDK2 ? "AAVMF at Shell> (AAVMF_CODE.fd read-only in flash0, a blank store of its own in "
                + "flash1 built by the boot, Enter and a key)"
                : "U-Boot at => (-bios u-boot.bin, an empty flash1 of its own for its environment, a key at \"Hit any "
                + "key\"; U-Boot polls at its prompt, so its first merge comes five seconds after the boot)";
    }

    private static int firmwareRows(Firmware fw, int boards, int qemuBoards, Path dir, PrintStream out)
            throws Exception {
        FirmwareFigures ours = ours(fw, boards, dir);
        long[] qemu = qemu(fw, qemuBoards, dir);
        long qemuPerBoard = qemu[0] / qemuBoards;
        long qemuFlashPerBoard = qemu[1] / qemuBoards;
        long oursPerBoard = (ours.rssAll - ours.rssOne) / (boards - 1);
        long bound = ours.codeData + ours.varsWritten;
        out.printf(Locale.ROOT, "%n%s: ours %d boards in one JVM, QEMU %d processes%n", title(fw), boards, qemuBoards);
        out.printf(Locale.ROOT, "| | ours | QEMU 7.2 | ours/QEMU | target |%n|---|---|---|---|---|%n");
        out.printf(Locale.ROOT, "| RSS per board (ours: beyond the first; VmRSS + the shared-page pool, after the "
                        + "first merge at the prompt) | %s | %s | %.3f | %s |%n",
                mib(oursPerBoard), mib(qemuPerBoard), (double) oursPerBoard / qemuPerBoard,
                fw != Firmware.EDK2 ? "" : oursPerBoard * 10 <= qemuPerBoard ? "<= 0.1 (met)" : "<= 0.1 (NOT MET)");
        out.printf(Locale.ROOT, "| RSS of all boards (ours: with the pool) | %s | %s | %.3f | |%n", mib(ours.rssAll),
                mib(qemu[0]),
                (double) ours.rssAll / qemu[0]);
        out.printf(Locale.ROOT, "| flash memory of all boards | %s | %s | %.4f | <= one firmware copy + the "
                        + "flash1 pages written = %s (%s) |%n", mib(ours.flashAll), mib(qemu[1]), (double) ours.flashAll / qemu[1],
                mib(bound), ours.flashAll <= bound ? "met" : "NOT MET");
        out.printf(Locale.ROOT, "| flash memory per board | %s | %s | %.4f | |%n", mib(ours.flashAll / boards),
                mib(qemuFlashPerBoard), (double) ours.flashAll / boards / qemuFlashPerBoard);
        return 0;
    }

    /**
     * Boots {@code boards} boards of {@code fw} in this JVM sharing its image and one RAM pool; measures with one at the
     * prompt and with all.
     */
    private static FirmwareFigures ours(Firmware fw, int boards, Path dir) throws Exception {
        SharedImages shared = new SharedImages();
        List<TestMachine> machines = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(boards);
        SharedPages pages = new SharedPages();
        try {
            machines.add(start(fw, 0, shared, pages, dir));
            toPrompt(fw, machines.get(0));
            System.gc();
            long rssOne = Residency.process().vmRss() + pages.bytes();
            List<Future<?>> boots = new ArrayList<>();
            for (int i = 1; i < boards; i++) {
                TestMachine m = start(fw, i, shared, pages, dir);
                machines.add(m);
                boots.add(pool.submit(() -> {
                    toPrompt(fw, m);
                    return null;
                }));
            }
            for (Future<?> f : boots) {
                f.get();
            }
            System.gc();
            long rssAll = Residency.process().vmRss() + pages.bytes();
            long flash = 0;
            long codeData = 0;
            long vars = 0;
            Set<Path> counted = new HashSet<>();
            long biosPages = 0; // a -bios blob's file pages: each board maps them, the page cache holds them once
            for (TestMachine m : machines) {
                for (int unit = 0; unit < 2; unit++) {
                    FlashFootprint f = m.flashFootprint(unit);
                    if (unit == 0 && fw == Firmware.UBOOT) {
                        flash += f.ownedBytes();
                        biosPages = Math.max(biosPages, f.residentBytes() - f.ownedBytes());
                    } else if (f.sharedImage() == null || counted.add(f.sharedImage())) {
                        flash += f.residentBytes();
                    }
                    if (unit == 0 && codeData == 0) {
                        codeData = f.dataBytes();
                    } else if (unit == 1) {
                        vars += f.dataBytes();
                    }
                }
            }
            return new FirmwareFigures(rssOne, rssAll, flash + biosPages, codeData, vars);
        } finally {
            pool.shutdownNow();
            for (TestMachine m : machines) {
                m.close();
            }
            pages.close(); // after the boards: it ends merging into it
        }
    }

    private static TestMachine start(Firmware fw, int n, SharedImages shared, SharedPages pages, Path dir)
            throws IOException {
        Path vars = dir.resolve("vars-" + n + ".img");
        try (RandomAccessFile f = new RandomAccessFile(vars.toFile(), "rw")) {
            f.setLength(0);
            f.setLength(FirmwareBench.BANK_SIZE);
        }
        MachineSetup setup = TestMachine.in(dir).name(fw.label() + "-" + n).flash(1, vars, "raw", false)
                .sharedImages(shared).sharedPages(pages).awaitTimeout(STEP).consoleCapacity(64 * 1024);
        return (fw == Firmware.EDK2 ? setup.flash(0, fw.image(), "raw", true) : setup.bios(fw.image())).start();
    }

    /** Boots {@code m} to its prompt and waits until it has merged its RAM once since, as a waiting board does. */
    private static void toPrompt(Firmware fw, TestMachine m) {
        for (Firmware.Step step : fw.steps()) {
            m.await(step.text());
            m.type(step.keys());
        }
        m.await(fw.prompt());
        m.awaitRamMerge(MERGE_WAIT);
    }

    /** {@code boards} QEMU processes at the prompt at once: {total VmRSS, total Rss of their bank mappings}. */
    private static long[] qemu(Firmware fw, int boards, Path dir) throws Exception {
        List<ConsoleProcess> procs = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(boards);
        try {
            List<Future<?>> boots = new ArrayList<>();
            for (int i = 0; i < boards; i++) {
                Path vars = dir.resolve("qemu-vars-" + i + ".img");
                try (RandomAccessFile f = new RandomAccessFile(vars.toFile(), "rw")) {
                    f.setLength(0);
                    f.setLength(FirmwareBench.BANK_SIZE);
                }
                List<String> cmd = new ArrayList<>();
                cmd.add(QEMU);
                cmd.addAll(fw.boardOptions(vars));
                ConsoleProcess p = new ConsoleProcess(cmd, dir);
                procs.add(p);
                boots.add(pool.submit(() -> {
                    for (Firmware.Step step : fw.steps()) {
                        p.await(step.text(), QEMU_STEP_SECS);
                        p.type(step.keys());
                    }
                    p.await(fw.prompt(), QEMU_STEP_SECS);
                    return null;
                }));
            }
            for (Future<?> f : boots) {
                f.get();
            }
            long rss = 0;
            long flash = 0;
            for (ConsoleProcess p : procs) {
                ProcessProbe.Sample s = ProcessProbe.snapshot(p.pid(), FirmwareBench.BANK_SIZE);
                rss += s.lastVmRss();
                flash += s.maxMappingRss();
            }
            return new long[] {rss, flash};
        } finally {
            pool.shutdownNow();
            for (ConsoleProcess p : procs) {
                p.close();
            }
        }
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
    }
}
