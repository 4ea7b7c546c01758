package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Figures, not assertions on time: guest instructions per second in a RAM loop, and ROM-device command-mode reads
 * per second through the handler. The results are logged at WARN so they show in the build output.
 */
class CpuBenchmarkTest {

    private static final Logger LOG = LoggerFactory.getLogger(CpuBenchmarkTest.class);
    private static final long RAM = TestMachine.RAM_BASE;

    @TempDir
    Path tmp;

    @Test
    void instructionsPerSecondInARamLoop() throws Exception {
        GuestProgram count = GuestProgram.build("count", RAM, tmp);
        long iterations = 100_000_000;
        try (TestMachine m = new TestMachine().loadRam(count)) {
            m.cpu.x(1, 1_000_000);
            m.cpu.x(2, 1);
            m.cpu.run(); // translate once
            m.cpu.pc(RAM);
            m.cpu.x(1, iterations);
            long t0 = System.nanoTime();
            CpuExit exit = m.cpu.run();
            long ns = System.nanoTime() - t0;
            assertInstanceOf(CpuExit.SemihostingExit.class, exit);
            assertEquals(iterations, m.cpu.x(3));
            double perSecond = 3.0 * iterations / (ns / 1e9);
            LOG.warn("BENCHMARK guest RAM loop: {} instructions in {} ms = {} M instructions/s",
                    3 * iterations, ns / 1_000_000, String.format("%.0f", perSecond / 1e6));
        }
    }

    @Test
    void commandModeReadsPerSecondThroughTheHandler() throws Exception {
        GuestProgram loop = GuestProgram.build("romloop", RAM, tmp);
        long reads = 2_000_000;
        try (TestMachine m = new TestMachine().loadRam(loop)) {
            m.cpu.x(0, TestMachine.FLASH_BASE);
            m.cpu.x(1, reads);
            long t0 = System.nanoTime();
            CpuExit exit = m.cpu.run();
            long ns = System.nanoTime() - t0;
            assertEquals(0, assertInstanceOf(CpuExit.SemihostingExit.class, exit).code());
            assertEquals(reads, m.flash.reads());
            assertEquals(QueryFlash.QUERY_WORD, m.cpu.x(3));
            LOG.warn("BENCHMARK ROM device in command mode: {} guest reads through the handler in {} ms = {} M/s",
                    reads, ns / 1_000_000, String.format("%.2f", reads / (ns / 1e9) / 1e6));
        }
    }
}
