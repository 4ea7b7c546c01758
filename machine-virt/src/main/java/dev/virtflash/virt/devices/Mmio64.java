package dev.virtflash.virt.devices;

import dev.virtflash.memory.MmioHandler;

/**
 * The one rule for a 64-bit access to a device whose registers are 32 bits wide, as QEMU's memory core applies it
 * to such devices: two 4-byte accesses, the low word at {@code offset} first, then the high word at
 * {@code offset + 4}. Each half goes through the device's own checks, so an odd half is a guest error of its own.
 */
public final class Mmio64 {

    private Mmio64() {
    }

    /** An 8-byte read of {@code device} at {@code offset} as two 4-byte reads. */
    public static long read(MmioHandler device, long offset) {
        return (device.read(offset, 4) & 0xFFFF_FFFFL) | (device.read(offset + 4, 4) << 32);
    }

    /** An 8-byte write of {@code value} to {@code device} at {@code offset} as two 4-byte writes. */
    public static void write(MmioHandler device, long offset, long value) {
        device.write(offset, 4, value & 0xFFFF_FFFFL);
        device.write(offset + 4, 4, value >>> 32);
    }
}
