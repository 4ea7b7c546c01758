package dev.virtflash.hw.pflash;

import dev.virtflash.memory.RomDeviceRegion;

/**
 * Test driver: bus cycles through a bank's region exactly as the guest makes them (reads from memory in read-array,
 * from the model otherwise; writes always to the model). Offsets are byte offsets inside the bank.
 */
final class Bus {

    private final RomDeviceRegion region;

    Bus(PflashCfi01 bank) {
        this.region = bank.region();
    }

    Bus(RomDeviceRegion region) {
        this.region = region;
    }

    void w8(long offset, long value) {
        region.write(offset, 1, value);
    }

    void w16(long offset, long value) {
        region.write(offset, 2, value);
    }

    void w32(long offset, long value) {
        region.write(offset, 4, value);
    }

    void w64(long offset, long value) {
        region.write(offset, 8, value);
    }

    long r8(long offset) {
        return region.read(offset, 1);
    }

    long r16(long offset) {
        return region.read(offset, 2);
    }

    long r32(long offset) {
        return region.read(offset, 4);
    }

    long r64(long offset) {
        return region.read(offset, 8);
    }

    /** A command as EDK2 sends it on virt: a 32-bit write of {@code (c << 16) | c}. */
    void cmd32(long offset, int command) {
        w32(offset, ((long) command << 16) | command);
    }
}
