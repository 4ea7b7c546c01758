package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.ProcessMappings;
import dev.virtflash.memory.ProcessMappings.Mapping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two CPUs at once, and the native resources a CPU leaves behind (none). */
class ConcurrencyAndResourcesTest {

    private static final long RAM = TestMachine.RAM_BASE;

    @TempDir
    Path tmp;

    @Test
    void twoCpusRunAtTheSameTimeInTwoThreads() throws Exception {
        GuestProgram count = GuestProgram.build("count", RAM, tmp);
        long iterations = 5_000_000;
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (TestMachine a = new TestMachine().loadRam(count); TestMachine b = new TestMachine().loadRam(count)) {
            a.cpu.x(1, iterations);
            a.cpu.x(2, 3);
            b.cpu.x(1, iterations);
            b.cpu.x(2, 5);
            Future<CpuExit> fa = pool.submit(() -> {
                start.await();
                return a.cpu.run(Duration.ofSeconds(60));
            });
            Future<CpuExit> fb = pool.submit(() -> {
                start.await();
                return b.cpu.run(Duration.ofSeconds(60));
            });
            CpuExit ea = fa.get();
            CpuExit eb = fb.get();
            assertEquals((int) ((3 * iterations) & 0xff), assertInstanceOf(CpuExit.SemihostingExit.class, ea).code());
            assertEquals((int) ((5 * iterations) & 0xff), assertInstanceOf(CpuExit.SemihostingExit.class, eb).code());
            assertEquals(3 * iterations, a.cpu.x(3));
            assertEquals(5 * iterations, b.cpu.x(3));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCpuRunsOnOneThreadAtATime() throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.loadRam(GuestProgram.build("spin", RAM, tmp));
            Thread runner = new Thread(() -> {
                while (true) {
                    try {
                        m.cpu.run(Duration.ofSeconds(30));
                        return;
                    } catch (IllegalStateException busy) {
                        Thread.onSpinWait(); // this thread's short runs below had the CPU: try again
                    }
                }
            });
            runner.start();
            // Until the other thread is inside run(), this thread's own short runs succeed. (Reading the guest's
            // registers to find out would race with the running CPU, which reads them at every stop.)
            IllegalStateException e = null;
            while (e == null) {
                try {
                    m.cpu.run(Duration.ofMillis(1));
                } catch (IllegalStateException busy) {
                    e = busy;
                }
            }
            assertTrue(e.getMessage().contains("already running"), e.getMessage());
            m.cpu.requestStop();
            runner.join();
        }
    }

    /**
     * CPUs created, run and closed leave the process with the same descriptors and no address space of their own: an
     * open CPU's RAM and translation buffer are new mappings ({@link ProcessMappings#newSince}), so a leaked one shows.
     */
    @Test
    void closingCpusReleasesEveryDescriptorAndMapping() throws Exception {
        GuestProgram console = GuestProgram.build("console", RAM, tmp);
        // Warm up: load the library, JNA's stubs, the JIT, the logger.
        for (int i = 0; i < 2; i++) {
            try (TestMachine m = new TestMachine().loadRam(console)) {
                m.cpu.run();
            }
        }
        settle();
        long fds = fileDescriptors();
        List<Mapping> maps = ProcessMappings.sample();
        long perOpenCpu;
        try (TestMachine a = new TestMachine().loadRam(console); TestMachine b = new TestMachine().loadRam(console)) {
            a.cpu.run();
            b.cpu.run();
            perOpenCpu = ProcessMappings.newBytes(maps, ProcessMappings.sample()) / 2;
        }
        for (int i = 0; i < CLOSED_CPUS - 2; i++) {
            try (TestMachine m = new TestMachine().loadRam(console)) {
                assertInstanceOf(CpuExit.SemihostingExit.class, m.cpu.run());
            }
        }
        settle();
        assertEquals(fds, fileDescriptors(), "open file descriptors");
        List<Mapping> taken = ProcessMappings.newSince(maps, ProcessMappings.sample());
        long grown = taken.stream().mapToLong(Mapping::size).sum();
        assertTrue(perOpenCpu >= 1 << 20, "an open CPU (with its memory) maps " + perOpenCpu + " bytes");
        // What the JVM commits inside its reservations and glibc's malloc arenas are not new address space; one
        // leaked CPU would leave its RAM and translation buffer.
        assertTrue(grown < perOpenCpu / 2, "address space taken after " + CLOSED_CPUS + " CPUs were closed: " + grown
                + " bytes in " + taken + "; an open CPU maps " + perOpenCpu);
    }

    /** CPUs created and closed by the resource test. */
    private static final int CLOSED_CPUS = 16;

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
