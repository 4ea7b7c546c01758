package dev.virtflash.hw.pflash;

/**
 * What a read returns in the status, identifier and CFI modes (spec §1.5), for one geometry. Pure functions of the
 * offset, the width (1, 2 or 4) and, for status, the register value; per-index answers are precomputed, so a read
 * costs a few shifts and no allocation.
 *
 * <p>QEMU's quirks are reproduced on purpose:
 * <ul>
 *   <li>Byte lanes are ignored: the index comes from {@code offset >> queryShift}, the answer is replicated into
 *       every chip's lanes, and a narrow read returns the <em>low</em> bytes of that word.</li>
 *   <li>A read wider than the bank combines several queries, the i-th lane group coming from
 *       {@code offset + i * bankWidth} (QEMU steps by {@code i * bankWidth} where {@code i} already counts bytes;
 *       this matters only for banks narrower than 4 bytes).</li>
 *   <li>Legacy mode (device width 0): the index is {@code (offset & 0xFF) >> log2(bankWidth)}, answers are not
 *       replicated, ID index 0 is {@code id0 << 8 | id1} and index 1 is {@code id2 << 8 | id3}, and a 4-byte
 *       status read returns {@code status | status << 16}.</li>
 * </ul>
 */
final class QueryReads {

    private final Geometry geometry;
    private final CfiQueryTable table;
    private final int bankWidth;
    private final int deviceWidth;
    private final int shift;
    private final boolean legacy;
    /** Per CFI index: the bank-wide answer (one chip's answer replicated), non-legacy mode. */
    private final long[] cfiAnswers;
    private final long idAnswer0;
    private final long idAnswer1;

    QueryReads(Geometry geometry, CfiQueryTable table) {
        this.geometry = geometry;
        this.table = table;
        this.bankWidth = geometry.bankWidth();
        this.deviceWidth = geometry.deviceWidth();
        this.shift = geometry.queryShift();
        this.legacy = geometry.legacy();
        this.cfiAnswers = new long[CfiQueryTable.LENGTH];
        for (int i = 0; i < CfiQueryTable.LENGTH; i++) {
            long answer = table.get(i);
            if (geometry.deviceWidth() != geometry.maxDeviceWidth()) {
                // A wide chip in x8 mode repeats the byte across its native width rather than padding with zero.
                for (int lane = 1; lane < geometry.maxDeviceWidth(); lane++) {
                    answer = deposit(answer, 8 * lane, 8, table.get(i));
                }
            }
            cfiAnswers[i] = replicate(answer);
        }
        this.idAnswer0 = replicate(geometry.id0());
        this.idAnswer1 = replicate(geometry.id1());
    }

    /** The status register as read with {@code width} bytes: one copy per chip that fits in the width. */
    long status(int status, int width) {
        long value = status;
        if (deviceWidth != 0 && width > deviceWidth) {
            for (int s = deviceWidth * 8; s + deviceWidth * 8 <= width * 8; s += deviceWidth * 8) {
                value |= (long) status << s;
            }
        } else if (deviceWidth == 0 && width > 2) {
            value |= (long) status << 16;
        }
        return value & mask(width);
    }

    /** A read in CFI query mode. */
    long cfi(long offset, int width) {
        if (legacy) {
            return table.get((offset & 0xFF) >> shift) & mask(width);
        }
        if (width <= bankWidth) {
            return cfiAt(offset) & mask(width);
        }
        long value = 0xFFFF_FFFFL;
        for (int i = 0; i < width; i += bankWidth) {
            value = deposit(value, i * 8, bankWidth * 8, cfiAt(offset + (long) i * bankWidth));
        }
        return value & mask(width);
    }

    /** A read in identifier mode. */
    long id(long offset, int width) {
        if (legacy) {
            long index = (offset & 0xFF) >> shift;
            long value;
            if (index == 0) {
                value = (long) geometry.id0() << 8 | geometry.id1();
            } else if (index == 1) {
                value = (long) geometry.id2() << 8 | geometry.id3();
            } else {
                value = 0;
            }
            return value & mask(width);
        }
        if (width <= bankWidth) {
            return idAt(offset) & mask(width);
        }
        long value = 0xFFFF_FFFFL;
        for (int i = 0; i < width; i += bankWidth) {
            value = deposit(value, i * 8, bankWidth * 8, idAt(offset + (long) i * bankWidth));
        }
        return value & mask(width);
    }

    private long cfiAt(long offset) {
        long index = offset >>> shift;
        return index < CfiQueryTable.LENGTH ? cfiAnswers[(int) index] : 0;
    }

    private long idAt(long offset) {
        long index = (offset >>> shift) & 0xFF;
        if (index == 0) {
            return idAnswer0;
        }
        return index == 1 ? idAnswer1 : 0;
    }

    /** One chip's answer copied into the lanes of every chip of the bank (QEMU's replication loop). */
    private long replicate(long answer) {
        long value = answer;
        if (deviceWidth != 0 && deviceWidth < bankWidth) {
            for (int lane = deviceWidth; lane < bankWidth; lane += deviceWidth) {
                value = deposit(value, 8 * lane, 8 * deviceWidth, value);
            }
        }
        return value & 0xFFFF_FFFFL;
    }

    /** {@code value} with bits {@code [start, start + length)} replaced by the low bits of {@code field} (32-bit). */
    static long deposit(long value, int start, int length, long field) {
        long fieldMask = (length >= 64 ? -1L : (1L << length) - 1) << start;
        return ((value & ~fieldMask) | ((field << start) & fieldMask)) & 0xFFFF_FFFFL;
    }

    static long mask(int width) {
        return width >= 8 ? -1L : (1L << (width * 8)) - 1;
    }
}
