package dev.virtflash.virt.devices.gic;

import dev.virtflash.memory.MmioHandler;
import dev.virtflash.virt.devices.Mmio64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The register decoder of {@link GicV2}'s CPU interface. Like QEMU's {@code gic_cpu_read/write}, registers are
 * decoded at their exact offset: an access of 1, 2 or 4 bytes there sees (or writes) the register's low bits, any
 * other offset is a guest error. An 8-byte access is two 4-byte accesses, low word first. State lives in
 * {@link GicV2}.
 */
final class GicCpuInterface implements MmioHandler {

    private static final Logger LOG = LoggerFactory.getLogger(GicCpuInterface.class);

    /** CPU interface control. */
    static final int GICC_CTLR = 0x00;
    /** Priority mask. */
    static final int GICC_PMR = 0x04;
    /** Binary point. */
    static final int GICC_BPR = 0x08;
    /** Interrupt acknowledge (read-only, side effects). */
    static final int GICC_IAR = 0x0C;
    /** End of interrupt (write-only). */
    static final int GICC_EOIR = 0x10;
    /** Running priority (read-only). */
    static final int GICC_RPR = 0x14;
    /** Highest priority pending interrupt (read-only). */
    static final int GICC_HPPIR = 0x18;
    /** Aliased binary point (Group 1). */
    static final int GICC_ABPR = 0x1C;
    /** Aliased interrupt acknowledge: not implemented by QEMU 7.2. */
    static final int GICC_AIAR = 0x20;
    /** Aliased end of interrupt: not implemented by QEMU 7.2. */
    static final int GICC_AEOIR = 0x24;
    /** Aliased highest pending: not implemented by QEMU 7.2. */
    static final int GICC_AHPPIR = 0x28;
    /** Active priorities 0-3 (Group 0). */
    static final int GICC_APR0 = 0xD0;
    /** Non-secure (Group 1) active priorities 0-3. */
    static final int GICC_NSAPR0 = 0xE0;
    /** CPU interface identification (read-only). */
    static final int GICC_IIDR = 0xFC;
    /** Deactivate interrupt (write-only). */
    static final int GICC_DIR = 0x1000;

    /** GICC_IIDR as QEMU 7.2 reports it: architecture version 2, implementer Arm (0x43B). */
    static final int IIDR_VALUE = 0x0002_043B;

    private final GicV2 gic;

    GicCpuInterface(GicV2 gic) {
        this.gic = gic;
    }

    @Override
    public long read(long offset, int size) {
        if (size == 8) {
            return Mmio64.read(this, offset);
        }
        long value = readRegister(offset, size);
        if (LOG.isTraceEnabled()) {
            LOG.trace("gicc: read 0x{} size {} -> 0x{}", Long.toHexString(offset), size, Long.toHexString(value));
        }
        return value;
    }

    private long readRegister(long offset, int size) {
        if (!(size == 1 || size == 2 || size == 4)) {
            gic.guestErrors.badAccess("read", offset, size, 0);
            return 0;
        }
        long mask = size == 4 ? 0xFFFF_FFFFL : (1L << (8 * size)) - 1;
        int value;
        if (offset == GICC_CTLR) {
            value = gic.cpuCtlr;
        } else if (offset == GICC_PMR) {
            value = gic.priorityMask;
        } else if (offset == GICC_BPR) {
            value = gic.binaryPoint;
        } else if (offset == GICC_IAR) {
            value = gic.acknowledge();
        } else if (offset == GICC_RPR) {
            value = gic.runningPriorityRegister();
        } else if (offset == GICC_HPPIR) {
            value = gic.highestPending();
        } else if (offset == GICC_ABPR) {
            value = gic.aliasedBinaryPoint;
        } else if (offset >= GICC_APR0 && offset < GICC_APR0 + 16 && (offset & 3) == 0) {
            value = gic.activePriorities[(int) (offset - GICC_APR0) / 4];
        } else if (offset >= GICC_NSAPR0 && offset < GICC_NSAPR0 + 16 && (offset & 3) == 0) {
            value = gic.nsActivePriorities[(int) (offset - GICC_NSAPR0) / 4];
        } else if (offset == GICC_IIDR) {
            value = IIDR_VALUE;
        } else {
            gic.guestErrors.badAccess("read", offset, size, 0);
            return 0;
        }
        return value & mask;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (size == 8) {
            Mmio64.write(this, offset, value);
            return;
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("gicc: write 0x{} size {} value 0x{}", Long.toHexString(offset), size, Long.toHexString(value));
        }
        if (!(size == 1 || size == 2 || size == 4)) {
            gic.guestErrors.badAccess("write", offset, size, value);
            return;
        }
        int v = (int) (size == 4 ? value : value & ((1L << (8 * size)) - 1));
        if (offset == GICC_CTLR) {
            gic.cpuCtlr = v & GicV2.GICC_CTLR_WRITABLE;
            if (LOG.isDebugEnabled()) {
                LOG.debug("gicc: GICC_CTLR = 0x{}", Integer.toHexString(gic.cpuCtlr));
            }
        } else if (offset == GICC_PMR) {
            gic.priorityMask = v & 0xff;
        } else if (offset == GICC_BPR) {
            gic.binaryPoint = Math.max(v & 7, GicV2.MIN_BPR);
        } else if (offset == GICC_EOIR) {
            gic.endOfInterrupt(v & 0x3ff);
            return; // endOfInterrupt updates
        } else if (offset == GICC_ABPR) {
            gic.aliasedBinaryPoint = Math.max(v & 7, GicV2.MIN_BPR + 1);
        } else if (offset >= GICC_APR0 && offset < GICC_APR0 + 16 && (offset & 3) == 0) {
            gic.activePriorities[(int) (offset - GICC_APR0) / 4] = v;
        } else if (offset >= GICC_NSAPR0 && offset < GICC_NSAPR0 + 16 && (offset & 3) == 0) {
            gic.nsActivePriorities[(int) (offset - GICC_NSAPR0) / 4] = v;
        } else if (offset == GICC_DIR) {
            gic.deactivate(v & 0x3ff);
        } else {
            gic.guestErrors.badAccess("write", offset, size, value);
            return;
        }
        gic.update();
    }
}
