package dev.virtflash.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.ProcessMappings;
import dev.virtflash.memory.ProcessMappings.Mapping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two machines in one JVM at the same time (issue 6, acceptance 5): each runs the default payload on its own images in
 * its own thread, both pass with exactly the console of a machine run alone, each image pair ends as a lone run's
 * does; and afterwards the process has the file descriptors and mappings it had before.
 */
class TwoMachinesTest {

    @TempDir
    Path tmp;

    @Test
    void twoMachinesRunConcurrentlyWithoutInterferingAndLeaveNothingOpen() throws Exception {
        Path alone = Files.createDirectory(tmp.resolve("alone"));
        CliRun reference = run(alone);
        assertEquals(0, reference.exitCode(), reference.err());
        String console = console(reference);
        assertTrue(console.endsWith("PASS\n"), console);
        byte[] aloneFlash0 = Files.readAllBytes(alone.resolve("flash0.img"));
        byte[] aloneFlash1 = Files.readAllBytes(alone.resolve("flash1.img"));

        // Round 0 warms up what stays for the life of the process: Unicorn, JNA's stubs, the logger, and glibc's
        // malloc arenas for two threads that allocate natively at the same time (an arena is kept after its thread
        // ends, for the next one). Rounds 1 and 2 must then leave the process as they found it.
        long fds = 0;
        List<Mapping> maps = List.of();
        for (int round = 0; round < 3; round++) {
            if (round == 1) {
                settle();
                fds = fileDescriptors();
                maps = ProcessMappings.sample();
            }
            Path[] dirs = new Path[2];
            List<CliRun> results = concurrently(round, dirs);
            for (int i = 0; i < 2; i++) {
                CliRun r = results.get(i);
                String which = "round " + round + ", machine " + i;
                assertEquals(0, r.exitCode(), which + ": " + r.err());
                assertEquals(console, console(r), which + " printed what a machine alone prints");
                assertArrayEquals(aloneFlash0, Files.readAllBytes(dirs[i].resolve("flash0.img")), which + ": flash0");
                assertArrayEquals(aloneFlash1, Files.readAllBytes(dirs[i].resolve("flash1.img")),
                        which + ": flash1 holds exactly what a lone run writes");
            }
        }
        settle();
        assertEquals(fds, fileDescriptors(), "open file descriptors after two rounds of two machines");
        // The JVM commits heap and code cache inside what it reserved, and glibc keeps a malloc arena per thread that
        // allocated natively: ProcessMappings leaves both out. A leaked machine would leave its banks (2 x 64 MiB), its
        // RAM and Unicorn's translation buffer as new address space.
        List<Mapping> taken = ProcessMappings.newSince(maps, ProcessMappings.sample());
        long takenBytes = taken.stream().mapToLong(Mapping::size).sum();
        assertTrue(takenBytes < 16 << 20, "address space taken after two rounds of two machines: " + takenBytes
                + " bytes in " + taken);
    }

    /** Runs two machines at once, each in its own thread on its own images; waits until both threads are gone. */
    private List<CliRun> concurrently(int round, Path[] dirs) throws Exception {
        for (int i = 0; i < 2; i++) {
            dirs[i] = Files.createDirectory(tmp.resolve("round" + round + "-" + i));
        }
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<CliRun> results = new ArrayList<>();
        try {
            List<Future<CliRun>> futures = new ArrayList<>();
            for (Path dir : dirs) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return run(dir);
                }));
            }
            for (Future<CliRun> f : futures) {
                results.add(f.get());
            }
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS), "pool threads ended");
        }
        return results;
    }

    /** The default payload on images made in {@code dir}, the flash images given explicitly so their names are known. */
    private static CliRun run(Path dir) throws IOException {
        Path f0 = CliRun.image(dir.resolve("flash0.img"), CliRun.payload("default"));
        Path f1 = CliRun.image(dir.resolve("flash1.img"), new byte[0]);
        return CliRun.inProcess(dir, "-drive", "if=pflash,unit=0,format=raw,file=" + f0,
                "-drive", "if=pflash,unit=1,format=raw,file=" + f1, "-semihosting", "--rss-report=json");
    }

    /** stdout without the RSS report (which names this machine's images). */
    private static String console(CliRun r) {
        String out = r.out();
        return out.substring(0, out.lastIndexOf("{\"banks\""));
    }

    /** Lets JNA free the native stubs of collected callbacks. */
    private static void settle() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
    }

    private static long fileDescriptors() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

}
