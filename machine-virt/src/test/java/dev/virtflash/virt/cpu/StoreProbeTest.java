package dev.virtflash.virt.cpu;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreProbeTest {
    @TempDir
    Path tmp;

    @Test
    void probe() throws Exception {
        GuestProgram p = GuestProgram.build("storeloop", TestMachine.RAM_BASE, tmp);
        for (int mode = 0; mode < 2; mode++) {
            for (int rep = 0; rep < 2; rep++) {
                try (TestMachine m = new TestMachine()) {
                    m.loadRam(p);
                    m.cpu.x(1, TestMachine.RAM_BASE + 0x10000);
                    m.cpu.x(2, 20_000_000);
                    m.cpu.x(5, mode);
                    long t = System.nanoTime();
                    CpuExit e = m.cpu.run(Duration.ofSeconds(60));
                    System.out.printf("mode %d: %.1f ms %s%n", mode, (System.nanoTime() - t) / 1e6, e.describe());
                }
            }
        }
    }
}
