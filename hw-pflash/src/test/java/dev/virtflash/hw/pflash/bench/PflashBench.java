package dev.virtflash.hw.pflash.bench;

import dev.virtflash.hw.pflash.PflashCfi01;
import dev.virtflash.memory.RomDeviceRegion;
import java.io.IOException;
import java.util.Locale;

/**
 * Microbenchmark: bus cycles per second through a virt bank's region ({@code read}/{@code write}) in command mode,
 * the path a CPU binding's MMIO upcall takes (target: at least 20 million per second, so that the upcall, about 5
 * million per second, stays the bottleneck). Prints one line per scenario; asserts nothing.
 *
 * <p>Run: {@code mvn -q -B -o -pl hw-pflash -am verify -Pbench -DskipTests} (or run this class's {@code main} from
 * the test classpath). Optional argument: seconds per scenario (default 1).
 */
public final class PflashBench {

    private static final int BATCH = 1 << 16;

    private PflashBench() {
    }

    /** One scenario: runs {@code BATCH} iterations and returns the number of bus cycles made plus a checksum. */
    private interface Scenario {
        long run(RomDeviceRegion region, long[] sink);
    }

    public static void main(String[] args) throws IOException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        try (PflashCfi01 bank = PflashCfi01.virtBank("virt.flash1").build()) {
            RomDeviceRegion region = bank.region();
            long[] sink = new long[1];
            report("status reads (4 bytes)", region, sink, seconds, (r, s) -> {
                r.write(0, 4, 0x00700070L);
                long acc = 0;
                for (int i = 0; i < BATCH; i++) {
                    acc += r.read((i & 0xFFF) << 2, 4);
                }
                s[0] += acc;
                return BATCH + 1;
            });
            report("CFI reads (4 bytes)", region, sink, seconds, (r, s) -> {
                r.write(0, 4, 0x00980098L);
                long acc = 0;
                for (int i = 0; i < BATCH; i++) {
                    acc += r.read((i & 0x7F) << 2, 4);
                }
                r.write(0, 4, 0xFF);
                s[0] += acc;
                return BATCH + 2;
            });
            report("CFI reads (8 bytes = 2 cycles)", region, sink, seconds, (r, s) -> {
                r.write(0, 4, 0x00980098L);
                long acc = 0;
                for (int i = 0; i < BATCH; i++) {
                    acc += r.read((i & 0x3F) << 3, 8);
                }
                r.write(0, 4, 0xFF);
                s[0] += acc;
                return 2L * BATCH + 2;
            });
            report("command writes (0x70 / 0x90)", region, sink, seconds, (r, s) -> {
                r.write(0, 4, 0x70);
                for (int i = 0; i < BATCH; i++) {
                    r.write(i << 2, 4, (i & 1) == 0 ? 0x00900090L : 0x00700070L);
                }
                r.write(0, 4, 0xFF);
                return BATCH + 2;
            });
            report("status poll (write 0x70, read)", region, sink, seconds, (r, s) -> {
                r.write(0, 4, 0x70);
                long acc = 0;
                for (int i = 0; i < BATCH / 2; i++) {
                    r.write(0, 4, 0x00700070L);
                    acc += r.read(0, 4);
                }
                r.write(0, 4, 0xFF);
                s[0] += acc;
                return BATCH + 2;
            });
            report("buffered-program data cycles", region, sink, seconds, (r, s) -> {
                r.write(0, 4, 0x50);
                int cycles = 2;
                for (int i = 0; i < BATCH / 1024; i++) {
                    r.write(0, 4, 0xE8);
                    r.write(0, 4, 1023);
                    for (int w = 0; w < 1024; w++) {
                        r.write(0x10000 + (w << 2), 4, w);
                    }
                    r.write(0, 4, 0xFF);               // abort: no storage change, data cycles only
                    cycles += 1027;
                }
                return cycles;
            });
            report("word programs (RAM bank, 2 cycles each)", region, sink, seconds, (r, s) -> {
                for (int i = 0; i < BATCH / 2; i++) {
                    r.write(0, 4, 0x40);
                    r.write((i & 0xFFF) << 2, 4, i);
                }
                r.write(0, 4, 0xFF);
                return BATCH + 1;
            });
            System.out.println("(checksum " + sink[0] + ")");
        }
    }

    private static void report(String name, RomDeviceRegion region, long[] sink, double seconds, Scenario s) {
        long warmEnd = System.nanoTime() + (long) (seconds * 0.5e9);
        while (System.nanoTime() < warmEnd) {
            s.run(region, sink);
        }
        long cycles = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long now;
        do {
            cycles += s.run(region, sink);
            now = System.nanoTime();
        } while (now < end);
        double perSecond = cycles / ((now - start) / 1e9);
        System.out.println(String.format(Locale.ROOT, "%-42s %8.1f million bus cycles/s", name, perSecond / 1e6));
    }
}
