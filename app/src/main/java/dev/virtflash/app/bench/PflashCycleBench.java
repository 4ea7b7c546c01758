package dev.virtflash.app.bench;

import dev.virtflash.hw.pflash.PflashCfi01;
import dev.virtflash.memory.RomDeviceRegion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 17, point 4: the CFI model's own speed, without Unicorn. Bus cycles per second through a virt bank's region
 * ({@code read}/{@code write}, the calls a CPU binding's MMIO upcall makes) for array reads, status and CFI reads,
 * word programs and buffered programs, on a bank without an image (no write-back). (It replaces hw-pflash's
 * {@code PflashBench}, a test-scope harness with the same loop that printed but nothing ran.) Goal: at least {@link #TARGET_CYCLES_PER_SECOND}, so that the
 * Unicorn upcall (about 5 million per second) stays the bottleneck. Each scenario warms up for half its time first.
 */
final class PflashCycleBench {

    static final double TARGET_CYCLES_PER_SECOND = 20e6;
    private static final int BATCH = 1 << 16;
    private static final int READ_ARRAY = 0xFF;
    private static final int READ_STATUS = 0x70;
    private static final int CFI_QUERY = 0x98;
    private static final int WORD_PROGRAM = 0x40;
    private static final int WRITE_TO_BUFFER = 0xE8;
    private static final int CONFIRM = 0xD0;
    private static final int WINDOW_WORDS = 1024; // 4 KiB window of a 32-bit bank

    /** One scenario's figure. */
    record Figure(String name, double cyclesPerSecond) {
    }

    /** One batch of a scenario: returns the bus cycles it made; adds a checksum of what it read to {@code sink}. */
    private interface Scenario {
        long run(RomDeviceRegion region, long[] sink);
    }

    private PflashCycleBench() {
    }

    static List<Figure> run(double seconds) throws IOException {
        List<Figure> figures = new ArrayList<>();
        try (PflashCfi01 bank = PflashCfi01.virtBank("virt.flash1").build()) {
            RomDeviceRegion region = bank.region();
            long[] sink = new long[1];
            figures.add(measure("array reads (4 bytes)", region, sink, seconds, reads(READ_ARRAY, 0xFFFF, 4)));
            figures.add(measure("status reads (4 bytes)", region, sink, seconds, reads(READ_STATUS, 0xFFF, 4)));
            figures.add(measure("CFI reads (8 bytes = 2 cycles)", region, sink, seconds, reads(CFI_QUERY, 0x3F, 8)));
            figures.add(measure("word program (command, data, status read)", region, sink, seconds, (r, s) -> {
                long acc = 0;
                for (int i = 0; i < BATCH / 3; i++) {
                    r.write(0, 4, WORD_PROGRAM);
                    r.write((i & 0xFFF) << 2, 4, i);
                    acc += r.read(0, 4);
                }
                r.write(0, 4, READ_ARRAY);
                s[0] += acc;
                return BATCH / 3 * 3 + 1;
            }));
            figures.add(measure("buffered program (4 KiB window, confirmed)", region, sink, seconds, (r, s) -> {
                long cycles = 0;
                long acc = 0;
                for (int b = 0; b < BATCH / WINDOW_WORDS; b++) {
                    long base = (long) (b & 15) * WINDOW_WORDS * 4;
                    r.write(base, 4, WRITE_TO_BUFFER);
                    acc += r.read(base, 4);
                    r.write(base, 4, WINDOW_WORDS - 1);
                    for (int w = 0; w < WINDOW_WORDS; w++) {
                        r.write(base + 4L * w, 4, w ^ b);
                    }
                    r.write(base, 4, CONFIRM);
                    acc += r.read(base, 4);
                    cycles += WINDOW_WORDS + 5;
                }
                r.write(0, 4, READ_ARRAY);
                s[0] += acc;
                return cycles + 1;
            }));
        }
        return figures;
    }

    /**
     * {@code command}, then {@code BATCH} reads of {@code width} bytes at the first {@code mask + 1} aligned offsets,
     * then read-array: an 8-byte read is two bus cycles.
     */
    private static Scenario reads(int command, int mask, int width) {
        int cyclesPerRead = width / 4;
        return (r, s) -> {
            r.write(0, 4, command);
            long acc = 0;
            for (int i = 0; i < BATCH; i++) {
                acc += r.read((long) (i & mask) * width, width);
            }
            r.write(0, 4, READ_ARRAY);
            s[0] += acc;
            return (long) cyclesPerRead * BATCH + 2;
        };
    }

    private static Figure measure(String name, RomDeviceRegion region, long[] sink, double seconds, Scenario s) {
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
        return new Figure(name, cycles / ((now - start) / 1e9));
    }
}
