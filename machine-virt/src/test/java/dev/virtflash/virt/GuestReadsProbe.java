package dev.virtflash.virt;

import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.Residency;
import dev.virtflash.firmware.PayloadCatalog;
import dev.virtflash.virt.cpu.CpuExit;
import dev.virtflash.virt.devices.ConsoleSource;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Run by {@link ZeroTouchTest} in a JVM of its own, whose heap is all resident from the start
 * ({@code -XX:+AlwaysPreTouch}), so that nothing but the board moves RssAnon + RssShmem: runs the {@code empty-reads}
 * payload once to load and compile every path, then again on a new board, and prints one line of figures, e.g.
 * {@code exit=0 raised=602112 flash0.data=12288 flash0.present=12288 flash1.data=262144 flash1.present=262144}
 * followed by the measured run's console.
 */
final class GuestReadsProbe {

    private GuestReadsProbe() {
    }

    public static void main(String[] args) throws Exception {
        byte[] payload = PayloadCatalog.firmware().load("empty-reads").orElseThrow();
        try (VirtMachine warmUp = board(payload, new ByteArrayOutputStream())) {
            run(warmUp);
        }
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (VirtMachine m = board(payload, console)) {
            long before = Residency.process().anonAndShmem();
            CpuExit exit = run(m);
            long after = Residency.process().anonAndShmem();
            StringBuilder line = new StringBuilder("exit=")
                    .append(exit instanceof CpuExit.SemihostingExit s ? Integer.toString(s.code()) : exit.describe())
                    .append(" raised=").append(after - before);
            for (int unit = 0; unit < 2; unit++) {
                HostMemory bank = m.flash(unit).region().memory();
                line.append(" flash").append(unit).append(".data=").append(bank.dataBytes());
                line.append(" flash").append(unit).append(".present=").append(Residency.presentBytes(bank));
            }
            System.out.println(line);
            System.out.print(console);
        }
    }

    private static VirtMachine board(byte[] payload, ByteArrayOutputStream console) throws Exception {
        return VirtMachine.builder().bios(payload).console(console::write, ConsoleSource.none()).build();
    }

    /** Runs the guest on a thread with a large native stack, as the CLI does. */
    private static CpuExit run(VirtMachine m) throws InterruptedException {
        AtomicReference<CpuExit> exit = new AtomicReference<>();
        Thread t = new Thread(null, () -> exit.set(m.run(Duration.ofSeconds(60))), "guest-reads", 16 << 20);
        t.start();
        t.join();
        return exit.get();
    }
}
