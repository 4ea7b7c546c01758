package dev.virtflash.guesttests.reliability;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The host-side mirror of payload {@code flash-loop} (firmware {@code flash-loop.c}): operation {@code n} as a pure
 * function of {@code n}, its effect on the four looped blocks of flash1, the range QEMU's granularity writes back for
 * it (spec §1.9), and the console line the payload prints once it saw it complete. Nothing is programmed twice between
 * two erases of a block, so the data is the same whether programming ANDs (real NOR) or overwrites (QEMU).
 */
final class FlashLoopSchedule {

    static final long BLOCK = 256 * 1024;
    static final int WINDOW = 4096;
    static final int SECTOR = 512;
    /** The looped blocks: flash1 blocks 64..67 (bank offset 0x0100_0000, 1 MiB). */
    static final long REGION_OFFSET = 64 * BLOCK;
    static final int REGION_LENGTH = (int) (4 * BLOCK);

    private static final long FLASH1_BASE = 0x0400_0000L;
    private static final int PERIOD = 24;
    private static final int WORD_OPS = 15;
    private static final int WINDOW_WORDS = WINDOW / 4;
    private static final int BUFFER_WINDOW_CHOICES = 6;

    enum Kind { ERASE, WORD, BUFFER }

    /**
     * Operation {@code seq}.
     *
     * @param offset     bank offset: block base, word, or the buffer's first word
     * @param value      word program: the value; buffer: the pattern seed
     * @param count      buffer: words
     * @param zeroWindow buffer: the whole window, all zero
     */
    record Op(long seq, Kind kind, long offset, int value, int count, boolean zeroWindow) {

        /** The line the payload prints after the operation, without the newline. */
        String line() {
            String addr = String.format("0x%08x", FLASH1_BASE + offset);
            switch (kind) {
                case ERASE:
                    return "done " + seq + " erase " + addr;
                case WORD:
                    return "done " + seq + " word " + addr + String.format("=0x%08x", value);
                default:
                    return "done " + seq + " buffer " + addr + " words=" + count;
            }
        }

        /** The bank range written back for it: {start, length}. */
        long[] writeBack() {
            switch (kind) {
                case ERASE:
                    return new long[] {offset, BLOCK};
                case WORD:
                    return new long[] {offset & -SECTOR, SECTOR};
                default:
                    return new long[] {offset & -WINDOW, WINDOW};
            }
        }

        /** Applies it to {@code region} (the looped blocks, region offset 0 = bank offset {@link #REGION_OFFSET}). */
        void applyTo(byte[] region) {
            int at = (int) (offset - REGION_OFFSET);
            ByteBuffer b = ByteBuffer.wrap(region).order(ByteOrder.LITTLE_ENDIAN);
            switch (kind) {
                case ERASE:
                    Arrays.fill(region, at, at + (int) BLOCK, (byte) 0xFF);
                    break;
                case WORD:
                    b.putInt(at, value);
                    break;
                default:
                    for (int i = 0; i < count; i++) {
                        b.putInt(at + 4 * i, zeroWindow ? 0 : value ^ (i * 0x9E3779B1));
                    }
                    break;
            }
        }
    }

    private FlashLoopSchedule() {
    }

    /** flash-loop.c's mix32. */
    static int mix32(int x) {
        x ^= x >>> 16;
        x *= 0x7feb352d;
        x ^= x >>> 15;
        x *= 0x846ca68b;
        x ^= x >>> 16;
        return x;
    }

    /** flash-loop.c's flash_loop_op. */
    static Op op(long seq) {
        int n = (int) seq;
        long block = Integer.toUnsignedLong(Integer.divideUnsigned(n, PERIOD)) % 4;
        int phase = Integer.remainderUnsigned(n, PERIOD);
        long base = REGION_OFFSET + block * BLOCK;
        int h = mix32(n);
        if (phase == 0) {
            return new Op(seq, Kind.ERASE, base, 0, 0, false);
        }
        if (phase <= WORD_OPS) {
            long word = (long) (phase - 1) * WINDOW_WORDS + Integer.remainderUnsigned(h, WINDOW_WORDS);
            int value = Integer.remainderUnsigned(n, 7) == 3 ? 0 : mix32(h ^ 0xA5A5A5A5);
            return new Op(seq, Kind.WORD, base + 4 * word, value, 0, false);
        }
        int k = phase - WORD_OPS - 1;
        long window = base + (long) (WORD_OPS + BUFFER_WINDOW_CHOICES * k
                + Integer.remainderUnsigned(h, BUFFER_WINDOW_CHOICES)) * WINDOW;
        if (Integer.remainderUnsigned(n, 11) == 5) {
            return new Op(seq, Kind.BUFFER, window, 0, WINDOW_WORDS, true);
        }
        int h2 = mix32(h);
        int count = 1 + Integer.remainderUnsigned(h2, WINDOW_WORDS);
        int first = Integer.remainderUnsigned(h2 >>> 12, WINDOW_WORDS - count + 1);
        return new Op(seq, Kind.BUFFER, window + 4L * first, mix32(n ^ 0x5EED5EED), count, false);
    }
}
