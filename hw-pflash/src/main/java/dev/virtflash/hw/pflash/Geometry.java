package dev.virtflash.hw.pflash;

/**
 * The validated shape of one flash bank: the properties QEMU's {@code cfi.pflash01} takes (spec §1.1) and the
 * numbers derived from them. Immutable; built only through {@link #of}, which rejects any configuration QEMU would
 * not model sensibly, with a one-line message naming the device, the value found and what was expected.
 *
 * <p>Terms: the <em>bank</em> is what the bus sees ({@code bankWidth} bytes wide, {@code sectorLength}-byte erase
 * blocks); it is made of {@link #numDevices()} chips side by side, each {@code deviceWidth} bytes wide. A
 * {@code deviceWidth} of 0 is QEMU's legacy mode (spec §1.5): one device, no replication of query answers.
 *
 * @param sectorLength   erase block as seen on the bus, bytes; a power of two, at least the write-buffer window
 * @param numBlocks      erase blocks in the bank, 1 to 65536
 * @param bankWidth      bus width in bytes: 1, 2 or 4
 * @param deviceWidth    width of one chip in bytes: 0 (legacy), 1, 2 or 4, at most {@code bankWidth}
 * @param maxDeviceWidth the chip's native width (an x16 chip in x8 mode has 2 here and 1 in {@code deviceWidth});
 *                       equals {@code deviceWidth} unless {@code deviceWidth} is 1
 * @param id0            manufacturer code (bits 0..15)
 * @param id1            device code (bits 0..15)
 * @param id2            legacy mode only: high byte of the second ID word
 * @param id3            legacy mode only: low byte of the second ID word
 */
public record Geometry(long sectorLength, int numBlocks, int bankWidth, int deviceWidth, int maxDeviceWidth,
                       int id0, int id1, int id2, int id3) {

    /** QEMU's largest single block-layer request (BDRV_REQUEST_MAX_BYTES); a bank must not be larger. */
    public static final long MAX_SIZE = 0x7FFF_FE00L;
    /** The block-layer sector: program write-back is widened to it (spec §1.9). */
    public static final int WRITE_BACK_SECTOR = 512;
    /** The largest erase region size a CFI table can describe per device (16 bits of 256-byte units). */
    private static final long MAX_SECTOR_PER_DEVICE = 0xFFFFL * 256;

    /** Validated construction; use {@link #of} for messages that name the device. */
    public Geometry {
        String problem = problem(sectorLength, numBlocks, bankWidth, deviceWidth, maxDeviceWidth,
                id0, id1, id2, id3);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Validates a configuration.
     *
     * @param name the device's name, for the message
     * @param maxDeviceWidth 0 means "same as deviceWidth", as in QEMU
     * @throws IllegalArgumentException naming the device, the property, the value and what was expected
     */
    public static Geometry of(String name, long sectorLength, int numBlocks, int bankWidth, int deviceWidth,
                              int maxDeviceWidth, int id0, int id1, int id2, int id3) {
        int maxWidth = maxDeviceWidth == 0 ? deviceWidth : maxDeviceWidth;
        String problem = problem(sectorLength, numBlocks, bankWidth, deviceWidth, maxWidth, id0, id1, id2, id3);
        if (problem != null) {
            throw new IllegalArgumentException("pflash '" + name + "': " + problem);
        }
        return new Geometry(sectorLength, numBlocks, bankWidth, deviceWidth, maxWidth, id0, id1, id2, id3);
    }

    private static String problem(long sectorLength, int numBlocks, int bankWidth, int deviceWidth,
                                  int maxDeviceWidth, int id0, int id1, int id2, int id3) {
        if (bankWidth != 1 && bankWidth != 2 && bankWidth != 4) {
            return "width (bank width) " + bankWidth + ", expected 1, 2 or 4";
        }
        if (deviceWidth != 0 && deviceWidth != 1 && deviceWidth != 2 && deviceWidth != 4) {
            return "device-width " + deviceWidth + ", expected 0 (legacy), 1, 2 or 4";
        }
        if (deviceWidth > bankWidth) {
            return "device-width " + deviceWidth + " is wider than the bank width " + bankWidth;
        }
        if (deviceWidth == 0 && maxDeviceWidth != 0) {
            return "max-device-width " + maxDeviceWidth + " needs a device-width, expected 0 in legacy mode";
        }
        if (maxDeviceWidth != deviceWidth) {
            if (maxDeviceWidth != 2 && maxDeviceWidth != 4) {
                return "max-device-width " + maxDeviceWidth + ", expected 2 or 4 (or equal to device-width "
                        + deviceWidth + ")";
            }
            if (deviceWidth != 1) {
                return "max-device-width " + maxDeviceWidth + " with device-width " + deviceWidth
                        + ", expected device-width 1 (only wide chips in x8 mode are modelled)";
            }
        }
        if (numBlocks < 1 || numBlocks > 65536) {
            return "num-blocks " + numBlocks + ", expected 1 to 65536";
        }
        int devices = deviceWidth == 0 ? 1 : bankWidth / deviceWidth;
        long window = writeBufferSize(bankWidth, devices);
        if (sectorLength < window || Long.bitCount(sectorLength) != 1) {
            return "sector-length " + sectorLength + ", expected a power of two of at least " + window
                    + " (the write-buffer window)";
        }
        if (sectorLength / devices > MAX_SECTOR_PER_DEVICE) {
            return "sector-length " + sectorLength + " is " + sectorLength / devices
                    + " bytes per device, expected at most " + MAX_SECTOR_PER_DEVICE + " (CFI erase region limit)";
        }
        if (sectorLength > MAX_SIZE / numBlocks) {
            return "size " + sectorLength + " x " + numBlocks + " blocks exceeds " + MAX_SIZE + " bytes";
        }
        int[] ids = {id0, id1, id2, id3};
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] > 0xFFFF) {
                return "id" + i + " " + ids[i] + ", expected 0 to 0xFFFF";
            }
        }
        return null;
    }

    private static long writeBufferSize(int bankWidth, int devices) {
        long perDevice = 1L << (bankWidth == 1 ? 8 : 11);
        return perDevice * devices;
    }

    /** The bank's size in bytes: {@code sectorLength * numBlocks}. */
    public long size() {
        return sectorLength * numBlocks;
    }

    /** Whether the bank is in QEMU's legacy mode ({@code deviceWidth == 0}, spec §1.5). */
    public boolean legacy() {
        return deviceWidth == 0;
    }

    /** Chips side by side: {@code bankWidth / deviceWidth}, or 1 in legacy mode. */
    public int numDevices() {
        return legacy() ? 1 : bankWidth / deviceWidth;
    }

    /** The erase block of one chip: {@code sectorLength / numDevices()}. */
    public long sectorLengthPerDevice() {
        return sectorLength / numDevices();
    }

    /** The size of one chip: {@code sectorLengthPerDevice() * numBlocks}. */
    public long deviceLength() {
        return sectorLengthPerDevice() * numBlocks;
    }

    /** log2 of one chip's write buffer as the CFI table reports it: 8 for a byte-wide bank, else 11. */
    public int writeBufferBitsPerDevice() {
        return bankWidth == 1 ? 8 : 11;
    }

    /** The buffered-program window on the bus: the chip's buffer times {@link #numDevices()} (4096 on virt). */
    public int writeBufferSize() {
        return (int) writeBufferSize(bankWidth, numDevices());
    }

    /** The mask applied to the buffered-write count: {@code deviceWidth} bytes, or {@code bankWidth} in legacy. */
    public long countMask() {
        int bytes = legacy() ? bankWidth : deviceWidth;
        return bytes == 4 ? 0xFFFF_FFFFL : (1L << (bytes * 8)) - 1;
    }

    /**
     * How far a bus offset is shifted right to give the CFI/ID index: log2(bankWidth), plus log2(maxDeviceWidth /
     * deviceWidth) for a wide chip in x8 mode. Legacy mode uses log2(bankWidth) on the low 8 offset bits.
     */
    public int queryShift() {
        if (legacy()) {
            return Integer.numberOfTrailingZeros(bankWidth);
        }
        return Integer.numberOfTrailingZeros(bankWidth) + Integer.numberOfTrailingZeros(maxDeviceWidth)
                - Integer.numberOfTrailingZeros(deviceWidth);
    }
}
