package dev.virtflash.virt.devices.gic;

import dev.virtflash.memory.MmioHandler;
import dev.virtflash.virt.devices.Mmio64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The register decoder of {@link GicV2}'s distributor. Like QEMU's {@code gic_dist_readb/writeb}, it works one byte
 * at a time: a 2- or 4-byte access is that many byte accesses (except a 4-byte write to GICD_SGIR), and an 8-byte
 * access is two 4-byte accesses. State lives in {@link GicV2}.
 */
final class GicDistributor implements MmioHandler {

    private static final Logger LOG = LoggerFactory.getLogger(GicDistributor.class);

    /** Distributor control. */
    static final int GICD_CTLR = 0x000;
    /** Interrupt controller type (read-only). */
    static final int GICD_TYPER = 0x004;
    /** Implementer identification (read-only). */
    static final int GICD_IIDR = 0x008;
    /** Interrupt group registers, one bit per interrupt. */
    static final int GICD_IGROUPR = 0x080;
    /** Set-enable, one bit per interrupt. */
    static final int GICD_ISENABLER = 0x100;
    /** Clear-enable, one bit per interrupt. */
    static final int GICD_ICENABLER = 0x180;
    /** Set-pending, one bit per interrupt. */
    static final int GICD_ISPENDR = 0x200;
    /** Clear-pending, one bit per interrupt. */
    static final int GICD_ICPENDR = 0x280;
    /** Set-active, one bit per interrupt. */
    static final int GICD_ISACTIVER = 0x300;
    /** Clear-active, one bit per interrupt. */
    static final int GICD_ICACTIVER = 0x380;
    /** Priorities, one byte per interrupt. */
    static final int GICD_IPRIORITYR = 0x400;
    /** CPU targets, one byte per interrupt (read-as-zero on a uniprocessor GIC). */
    static final int GICD_ITARGETSR = 0x800;
    /** Configuration, two bits per interrupt. */
    static final int GICD_ICFGR = 0xC00;
    /** Software-generated interrupt register (32-bit write only). */
    static final int GICD_SGIR = 0xF00;
    /** SGI clear-pending, one byte (source CPU mask) per SGI. */
    static final int GICD_CPENDSGIR = 0xF10;
    /** SGI set-pending, one byte (source CPU mask) per SGI. */
    static final int GICD_SPENDSGIR = 0xF20;
    /** First ID register (PIDR4); ID words run to 0xFFC. */
    static final int GICD_PIDR4 = 0xFD0;
    /** End of the registers QEMU maps (its distributor region is 4 KiB). */
    static final int REGISTERS_END = 0x1000;

    /** GICD_TYPER: ITLinesNumber = 288/32 - 1, CPUNumber = 0, SecurityExtn = 0. */
    static final int TYPER_VALUE = GicV2.NUM_IRQS / 32 - 1;
    /** GICD_IIDR as QEMU 7.2 reports it (implementer Arm, 0x43B). */
    static final int IIDR_VALUE = 0x0000_043B;
    /** ID bytes at 0xFD0, 0xFD4, ... 0xFFC for a GICv2, as QEMU's {@code gic_id_gicv2}. */
    private static final int[] ID_BYTES = {0x04, 0x00, 0x00, 0x00, 0x90, 0xB4, 0x2B, 0x00, 0x0D, 0xF0, 0x05, 0xB1};

    private final GicV2 gic;
    private boolean badByte;

    GicDistributor(GicV2 gic) {
        this.gic = gic;
    }

    @Override
    public long read(long offset, int size) {
        long value;
        if (size == 8) {
            return Mmio64.read(this, offset);
        }
        if (!(size == 1 || size == 2 || size == 4) || offset < 0 || offset > GicV2.DISTRIBUTOR_WINDOW - size) {
            gic.guestErrors.badAccess("read", offset, size, 0);
            return 0;
        }
        badByte = false;
        value = 0;
        for (int i = 0; i < size; i++) {
            value |= (long) readByte((int) offset + i) << (8 * i);
        }
        if (badByte) {
            gic.guestErrors.badAccess("read", offset, size, 0);
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("gicd: read 0x{} size {} -> 0x{}", Long.toHexString(offset), size, Long.toHexString(value));
        }
        return value;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (size == 8) {
            Mmio64.write(this, offset, value);
            return;
        }
        if (!(size == 1 || size == 2 || size == 4) || offset < 0 || offset > GicV2.DISTRIBUTOR_WINDOW - size) {
            gic.guestErrors.badAccess("write", offset, size, value);
            return;
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("gicd: write 0x{} size {} value 0x{}", Long.toHexString(offset), size, Long.toHexString(value));
        }
        if (offset == GICD_SGIR && size == 4) {
            gic.softwareInterrupt((int) value);
        } else {
            badByte = false;
            for (int i = 0; i < size; i++) {
                writeByte((int) offset + i, (int) (value >>> (8 * i)) & 0xff);
            }
            if (badByte) {
                gic.guestErrors.badAccess("write", offset, size, value);
            }
        }
        gic.update();
    }

    private int bad() {
        badByte = true;
        return 0;
    }

    /** First interrupt of the bit-per-interrupt byte at {@code offset} in the block at {@code base}. */
    private static int bitIrq(int offset, int base) {
        return (offset - base) * 8;
    }

    private int readByte(int offset) {
        if (offset < GICD_ISENABLER) {
            if (offset == GICD_CTLR) {
                return gic.distCtlr;
            }
            if (offset < GICD_TYPER) {
                return 0;
            }
            if (offset < GICD_IIDR) {
                return (TYPER_VALUE >>> (8 * (offset - GICD_TYPER))) & 0xff;
            }
            if (offset < GICD_IIDR + 4) {
                return (IIDR_VALUE >>> (8 * (offset - GICD_IIDR))) & 0xff;
            }
            if (offset >= GICD_IGROUPR) {
                int irq = bitIrq(offset, GICD_IGROUPR);
                return irq < GicV2.NUM_IRQS ? gic.irqs.groupByte(irq) : bad();
            }
            return bad();
        }
        if (offset < GICD_ISPENDR) {
            int irq = bitIrq(offset, offset < GICD_ICENABLER ? GICD_ISENABLER : GICD_ICENABLER);
            return irq < GicV2.NUM_IRQS ? gic.irqs.enabledByte(irq) : bad();
        }
        if (offset < GICD_ISACTIVER) {
            int irq = bitIrq(offset, offset < GICD_ICPENDR ? GICD_ISPENDR : GICD_ICPENDR);
            return irq < GicV2.NUM_IRQS ? gic.irqs.pendingByte(irq) : bad();
        }
        if (offset < GICD_IPRIORITYR) {
            int irq = bitIrq(offset, offset < GICD_ICACTIVER ? GICD_ISACTIVER : GICD_ICACTIVER);
            return irq < GicV2.NUM_IRQS ? gic.irqs.activeByte(irq) : bad();
        }
        if (offset < GICD_ITARGETSR) {
            int irq = offset - GICD_IPRIORITYR;
            return irq < GicV2.NUM_IRQS ? gic.irqs.priority(irq) : bad();
        }
        if (offset < GICD_ICFGR) {
            return 0; // uniprocessor: RAZ/WI
        }
        if (offset < GICD_SGIR) {
            int irq = (offset - GICD_ICFGR) * 4;
            return irq < GicV2.NUM_IRQS ? gic.irqs.configByte(irq) : bad();
        }
        if (offset < GICD_CPENDSGIR) {
            return bad(); // GICD_SGIR is write-only
        }
        if (offset < GICD_SPENDSGIR + GicV2.NUM_SGIS) {
            return gic.irqs.sgiSources((offset - GICD_CPENDSGIR) % GicV2.NUM_SGIS);
        }
        if (offset < GICD_PIDR4) {
            return bad();
        }
        if (offset < REGISTERS_END) {
            return (offset & 3) != 0 ? 0 : ID_BYTES[(offset - GICD_PIDR4) >> 2];
        }
        return bad();
    }

    private void writeByte(int offset, int value) {
        if (offset < GICD_ISENABLER) {
            if (offset == GICD_CTLR) {
                gic.distCtlr = value & (GicV2.CTLR_EN_GRP0 | GicV2.CTLR_EN_GRP1);
                if (LOG.isDebugEnabled()) {
                    LOG.debug("gicd: GICD_CTLR = 0x{}", Integer.toHexString(gic.distCtlr));
                }
            } else if (offset < GICD_TYPER) {
                return; // upper bytes of GICD_CTLR: ignored
            } else if (offset >= GICD_IGROUPR) {
                int irq = bitIrq(offset, GICD_IGROUPR);
                if (irq < GicV2.NUM_IRQS) {
                    gic.irqs.writeGroup(irq, value);
                } else {
                    bad();
                }
            } else {
                bad(); // TYPER, IIDR and reserved space are read-only
            }
            return;
        }
        if (offset < GICD_ISPENDR) {
            boolean set = offset < GICD_ICENABLER;
            int irq = bitIrq(offset, set ? GICD_ISENABLER : GICD_ICENABLER);
            if (irq >= GicV2.NUM_IRQS) {
                bad();
            } else if (set) {
                gic.irqs.setEnabled(irq, value);
            } else {
                gic.irqs.clearEnabled(irq, value);
            }
            return;
        }
        if (offset < GICD_ISACTIVER) {
            boolean set = offset < GICD_ICPENDR;
            int irq = bitIrq(offset, set ? GICD_ISPENDR : GICD_ICPENDR);
            if (irq >= GicV2.NUM_IRQS) {
                bad();
            } else if (set) {
                gic.irqs.setPending(irq, value);
            } else {
                gic.irqs.clearPending(irq, value);
            }
            return;
        }
        if (offset < GICD_IPRIORITYR) {
            boolean set = offset < GICD_ICACTIVER;
            int irq = bitIrq(offset, set ? GICD_ISACTIVER : GICD_ICACTIVER);
            if (irq >= GicV2.NUM_IRQS) {
                bad();
            } else if (set) {
                gic.irqs.setActive(irq, value);
            } else {
                gic.irqs.clearActive(irq, value);
            }
            return;
        }
        if (offset < GICD_ITARGETSR) {
            int irq = offset - GICD_IPRIORITYR;
            if (irq < GicV2.NUM_IRQS) {
                gic.irqs.setPriority(irq, value);
            } else {
                bad();
            }
            return;
        }
        if (offset < GICD_ICFGR) {
            return; // uniprocessor: RAZ/WI
        }
        if (offset < GICD_SGIR) {
            int irq = (offset - GICD_ICFGR) * 4;
            if (irq < GicV2.NUM_IRQS) {
                gic.irqs.writeConfig(irq, value);
            } else {
                bad();
            }
            return;
        }
        if (offset < GICD_CPENDSGIR) {
            bad(); // GICD_SGIR takes 32-bit writes only
            return;
        }
        if (offset < GICD_SPENDSGIR) {
            gic.irqs.removeSgiSources(offset - GICD_CPENDSGIR, value);
            return;
        }
        if (offset < GICD_SPENDSGIR + GicV2.NUM_SGIS) {
            gic.irqs.addSgiSources(offset - GICD_SPENDSGIR, value);
            return;
        }
        bad(); // ID registers are read-only; beyond 0xFFF nothing is mapped
    }
}
