package dev.virtflash.hw.pflash;

/**
 * U-Boot's CFI detection (drivers/mtd/cfi_flash.c, spec §4.1) replayed as bus cycles: port widths 1, 2, 4, 8; chip
 * widths 1 up to the port; address shift ({@code chip_lsb}) 0 then 1; each try resets (0xF0, 0xFF at unit 0), sends
 * 0x98 at unit 0x55 then 0x555, and compares "QRY" at units 0x10..0x12 with port-width reads against the command
 * word built for the chip width. Then it reads the geometry bytes and the IDs as U-Boot does.
 */
record UBootProbe(boolean found, int portWidth, int chipWidth, int chipLsb, long size, int sectors,
                  long sectorSize, int manufacturer, int device) {

    private static final int[] CFI_OFFSETS = {0x55, 0x555};

    static UBootProbe probe(Bus bus) {
        for (int port = 1; port <= 8; port <<= 1) {
            for (int chip = 1; chip <= port; chip <<= 1) {
                for (int lsb = 0; lsb <= 1; lsb++) {
                    if (detect(bus, port, chip, lsb)) {
                        return describe(bus, port, chip, lsb);
                    }
                }
            }
        }
        return new UBootProbe(false, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    String flinfo() {
        return "(" + portWidth * 8 + " x " + chipWidth * 8 + ") Size: " + (size >> 20) + " MB in " + sectors
                + " Sectors";
    }

    private static boolean detect(Bus bus, int port, int chip, int lsb) {
        write(bus, port, chip, lsb, 0, 0xF0);
        write(bus, port, chip, lsb, 0, 0xFF);
        for (int cfi : CFI_OFFSETS) {
            write(bus, port, chip, lsb, cfi, 0x98);
            if (read(bus, port, lsb, 0x10) == makeCmd(port, chip, 'Q')
                    && read(bus, port, lsb, 0x11) == makeCmd(port, chip, 'R')
                    && read(bus, port, lsb, 0x12) == makeCmd(port, chip, 'Y')) {
                return true;
            }
        }
        return false;
    }

    private static UBootProbe describe(Bus bus, int port, int chip, int lsb) {
        int devSize = readUchar(bus, port, lsb, 0x27);
        long region = 0;
        for (int i = 0; i < 4; i++) {
            region |= (long) readUchar(bus, port, lsb, 0x2D + i) << (8 * i);
        }
        int sectors = (int) (region & 0xFFFF) + 1;
        long sectorSize = ((region >>> 16) & 0xFFFF) * 256;
        int ratio = port / chip;
        long size = (1L << devSize) * ratio;
        // IDs: reset, 0x90 at unit 0, manufacturer as a byte at unit 0, device at unit 1 (port-width read).
        write(bus, port, chip, lsb, 0, 0xFF);
        write(bus, port, chip, lsb, 0, 0x90);
        int manufacturer = readUchar(bus, port, lsb, 0);
        int device = (int) read(bus, port, lsb, 1) & 0xFFFF;
        write(bus, port, chip, lsb, 0, 0xFF);
        return new UBootProbe(true, port, chip, lsb, size, sectors, sectorSize * ratio, manufacturer, device);
    }

    /** flash_make_cmd: the command byte in the low byte of every chip's lanes. */
    static long makeCmd(int port, int chip, int cmd) {
        long word = 0;
        for (int i = 0; i < port; i += chip) {
            word |= (long) cmd << (8 * i);
        }
        return word;
    }

    private static long address(int port, int lsb, long unit) {
        return (unit * port) << lsb;
    }

    private static void write(Bus bus, int port, int chip, int lsb, long unit, int cmd) {
        long at = address(port, lsb, unit);
        long value = makeCmd(port, chip, cmd);
        switch (port) {
            case 1 -> bus.w8(at, value);
            case 2 -> bus.w16(at, value);
            case 4 -> bus.w32(at, value);
            default -> bus.w64(at, value);
        }
    }

    private static long read(Bus bus, int port, int lsb, long unit) {
        long at = address(port, lsb, unit);
        return switch (port) {
            case 1 -> bus.r8(at);
            case 2 -> bus.r16(at);
            case 4 -> bus.r32(at);
            default -> bus.r64(at);
        };
    }

    /** flash_read_uchar on a little-endian CPU: the byte at the unit's lowest address. */
    private static int readUchar(Bus bus, int port, int lsb, long unit) {
        return (int) bus.r8(address(port, lsb, unit));
    }
}
