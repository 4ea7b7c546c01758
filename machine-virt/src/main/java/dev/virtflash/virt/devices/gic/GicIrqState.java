package dev.virtflash.virt.devices.gic;

import static dev.virtflash.virt.devices.gic.GicV2.NUM_IRQS;
import static dev.virtflash.virt.devices.gic.GicV2.NUM_SGIS;

import java.util.Arrays;

/**
 * The per-interrupt state of the GICv2 distributor (QEMU's {@code irq_state}, {@code priority1} and
 * {@code sgi_pending}): enable, pending latch, input level, trigger mode, active, group, priority and SGI sources, one
 * bit (or byte) per interrupt ID, and the byte-at-a-time views {@link GicDistributor} reads and writes. {@link GicV2}
 * decides from it what the CPU interface signals; this class decides nothing.
 */
final class GicIrqState {

    private static final int WORDS = (NUM_IRQS + 63) / 64;

    final long[] enabled = new long[WORDS];
    final long[] pendingLatch = new long[WORDS];
    final long[] inputLevel = new long[WORDS];
    final long[] edgeTriggered = new long[WORDS];
    final long[] active = new long[WORDS];
    final long[] group1 = new long[WORDS];
    final byte[] priority = new byte[NUM_IRQS];
    /** Per SGI: bit n set when CPU n has it pending here (GICD_SPENDSGIR layout). */
    final int[] sgiSources = new int[NUM_SGIS];

    /** The reset state (input levels are kept: they belong to the devices driving them). */
    void reset() {
        Arrays.fill(enabled, 0);
        Arrays.fill(pendingLatch, 0);
        Arrays.fill(edgeTriggered, 0);
        Arrays.fill(active, 0);
        Arrays.fill(group1, 0);
        Arrays.fill(priority, (byte) 0);
        Arrays.fill(sgiSources, 0);
        // SGIs are always enabled and edge-triggered.
        enabled[0] |= (1L << NUM_SGIS) - 1;
        edgeTriggered[0] |= (1L << NUM_SGIS) - 1;
    }

    // ---- one byte (8 interrupts) at a time, as the distributor registers show them ----

    int enabledByte(int firstIrq) {
        return bits8(enabled, firstIrq);
    }

    void setEnabled(int firstIrq, int mask) {
        if (firstIrq < NUM_SGIS) {
            mask = 0xff; // SGIs cannot be disabled or re-enabled
        }
        or8(enabled, firstIrq, mask);
        // Enabling a raised level-sensitive input makes it pending (QEMU keeps it latched).
        int raisedLevel = bits8(inputLevel, firstIrq) & ~bits8(edgeTriggered, firstIrq) & mask;
        or8(pendingLatch, firstIrq, raisedLevel);
    }

    void clearEnabled(int firstIrq, int mask) {
        if (firstIrq >= NUM_SGIS) {
            andNot8(enabled, firstIrq, mask);
        }
    }

    /** Pending as GICD_ISPENDR shows it: latched, or a level-sensitive input that is high. */
    int pendingByte(int firstIrq) {
        return bits8(pendingLatch, firstIrq)
                | (bits8(inputLevel, firstIrq) & ~bits8(edgeTriggered, firstIrq));
    }

    void setPending(int firstIrq, int mask) {
        if (firstIrq >= NUM_SGIS) {
            or8(pendingLatch, firstIrq, mask);
        }
    }

    void clearPending(int firstIrq, int mask) {
        if (firstIrq >= NUM_SGIS) {
            andNot8(pendingLatch, firstIrq, mask);
        }
    }

    int activeByte(int firstIrq) {
        return bits8(active, firstIrq);
    }

    void setActive(int firstIrq, int mask) {
        or8(active, firstIrq, mask);
    }

    void clearActive(int firstIrq, int mask) {
        andNot8(active, firstIrq, mask);
    }

    int groupByte(int firstIrq) {
        return bits8(group1, firstIrq);
    }

    void writeGroup(int firstIrq, int value) {
        andNot8(group1, firstIrq, 0xff);
        or8(group1, firstIrq, value);
    }

    int priority(int irq) {
        return priority[irq] & 0xff;
    }

    void setPriority(int irq, int value) {
        priority[irq] = (byte) value;
    }

    /** Four interrupts of GICD_ICFGR: bit 2n+1 set for edge-triggered (the model bits 2n read 0). */
    int configByte(int firstIrq) {
        int edges = bits8(edgeTriggered, firstIrq) & 0xf;
        int res = 0;
        for (int i = 0; i < 4; i++) {
            if ((edges & (1 << i)) != 0) {
                res |= 2 << (i * 2);
            }
        }
        return res;
    }

    void writeConfig(int firstIrq, int value) {
        if (firstIrq < NUM_SGIS) {
            value |= 0xaa; // SGIs are always edge-triggered
        }
        for (int i = 0; i < 4; i++) {
            if ((value & (2 << (i * 2))) != 0) {
                set(edgeTriggered, firstIrq + i);
            } else {
                clear(edgeTriggered, firstIrq + i);
            }
        }
    }

    int sgiSources(int sgi) {
        return sgiSources[sgi];
    }

    /** GICD_SPENDSGIR: make {@code sgi} pending from the source CPUs in {@code sources}. */
    void addSgiSources(int sgi, int sources) {
        if (sources == 0) {
            return;
        }
        sgiSources[sgi] |= sources;
        set(pendingLatch, sgi);
    }

    /** GICD_CPENDSGIR: withdraw {@code sources}; the SGI stops pending when none is left. */
    void removeSgiSources(int sgi, int sources) {
        sgiSources[sgi] &= ~sources;
        if (sgiSources[sgi] == 0) {
            clear(pendingLatch, sgi);
        }
    }

    // ---- bit helpers ----

    static boolean test(long[] bits, int id) {
        return (bits[id >>> 6] & (1L << id)) != 0;
    }

    static void set(long[] bits, int id) {
        bits[id >>> 6] |= 1L << id;
    }

    static void clear(long[] bits, int id) {
        bits[id >>> 6] &= ~(1L << id);
    }

    /** The 8 bits from {@code first} (a multiple of 8). */
    static int bits8(long[] bits, int first) {
        return (int) (bits[first >>> 6] >>> (first & 63)) & 0xff;
    }

    static void or8(long[] bits, int first, int mask) {
        bits[first >>> 6] |= (long) (mask & 0xff) << (first & 63);
    }

    static void andNot8(long[] bits, int first, int mask) {
        bits[first >>> 6] &= ~((long) (mask & 0xff) << (first & 63));
    }
}
