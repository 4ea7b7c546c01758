package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.virtflash.memory.AddressSpace;
import dev.virtflash.memory.GuestAddress;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.RamRegion;
import dev.virtflash.virt.devices.ConsoleSink;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Figures, not assertions on time: guest instructions per second in a RAM loop, ROM-device command-mode reads per
 * second through the handler, and the cost of a mode switch on a 64 MiB bank. The results are logged at WARN so they
 * show in the build output.
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

    /** A 64 MiB bank (the size of a virt flash bank) switched to command mode and back, as every flash command does. */
    @Test
    void modeSwitchesPerSecondOnA64MiBBank() throws Exception {
        GuestProgram loop = GuestProgram.build("switchloop", RAM, tmp);
        long iterations = 500;
        QueryFlash flash = new QueryFlash("bench.flash", 64L << 20);
        try (HostMemory ram = HostMemory.allocateCpuWritable("bench.ram", 1 << 20)) {
            AddressSpace space = AddressSpace.builder("bench").map(0, flash.region())
                    .map(RAM, new RamRegion("bench.ram", ram)).build();
            try (UnicornCpu cpu = UnicornCpu.create(space, ConsoleSink.DISCARD)) {
                byte[] image = loop.image();
                ram.write(0, image, 0, image.length);
                cpu.pc(RAM);
                cpu.sp(RAM + (1 << 20) - 16);
                cpu.x(0, 0);
                cpu.x(1, iterations);
                long t0 = System.nanoTime();
                CpuExit exit = cpu.run();
                long ns = System.nanoTime() - t0;
                assertEquals(0, assertInstanceOf(CpuExit.SemihostingExit.class, exit).code());
                assertEquals(QueryFlash.QUERY_WORD, cpu.x(3));
                long remaps = cpu.romDeviceSwitches(new GuestAddress(0));
                assertEquals(2 * iterations, remaps);
                LOG.warn("BENCHMARK 64 MiB ROM device: {} mapping switches in {} ms = {} us per switch",
                        remaps, ns / 1_000_000, String.format("%.0f", ns / 1e3 / remaps));
            }
        } finally {
            flash.memory().close();
        }
    }
}
