package dev.virtflash.virt.devices.gic;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.MmioHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GicV2Test {

    // Distributor offsets
    private static final int CTLR = 0x000;
    private static final int ISENABLER = 0x100;
    private static final int ICENABLER = 0x180;
    private static final int ISPENDR = 0x200;
    private static final int ICPENDR = 0x280;
    private static final int ISACTIVER = 0x300;
    private static final int ICACTIVER = 0x380;
    private static final int IPRIORITYR = 0x400;
    private static final int ICFGR = 0xC00;
    private static final int SGIR = 0xF00;
    // CPU interface offsets
    private static final int C_CTLR = 0x00;
    private static final int C_PMR = 0x04;
    private static final int C_BPR = 0x08;
    private static final int C_IAR = 0x0C;
    private static final int C_EOIR = 0x10;
    private static final int C_RPR = 0x14;
    private static final int C_HPPIR = 0x18;

    private final List<String> outputChanges = new ArrayList<>();
    private GicV2 gic;
    private MmioHandler dist;
    private MmioHandler cpu;

    @BeforeEach
    void setUp() {
        gic = new GicV2((irq, fiq) -> outputChanges.add("irq=" + irq + " fiq=" + fiq));
        dist = gic.distributor();
        cpu = gic.cpuInterface();
    }

    private long d(int offset) {
        return dist.read(offset, 4);
    }

    private void d(int offset, long value) {
        dist.write(offset, 4, value);
    }

    private long c(int offset) {
        return cpu.read(offset, 4);
    }

    private void c(int offset, long value) {
        cpu.write(offset, 4, value);
    }

    /** The EDK2 ArmGic start-up sequence seen in QEMU's trace: both interfaces on, no preemption, all priorities. */
    private void enableLikeEdk2() {
        d(CTLR, 1);
        c(C_BPR, 7);
        c(C_PMR, 0xff);
        c(C_CTLR, 1);
    }

    private static Map<String, Long> qemuProbeOutput() throws IOException {
        Map<String, Long> values = new LinkedHashMap<>();
        try (InputStream in = GicV2Test.class.getResourceAsStream("/gic-pl031-probe/qemu72-output.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            Matcher m = Pattern.compile("(?m)^(\\S+?)=0x([0-9a-f]+)\\r?$").matcher(text);
            while (m.find()) {
                values.put(m.group(1), Long.parseUnsignedLong(m.group(2), 16));
            }
        }
        return values;
    }

    /** Performs the GIC part of gic-pl031-probe/probe.c, access for access, recording what it prints. */
    private Map<String, Long> replayProbe() {
        Map<String, Long> out = new LinkedHashMap<>();
        String[] dNames = {"GICD_CTLR", "GICD_TYPER", "GICD_IIDR", "GICD_0x0c", "GICD_0x10", "GICD_IGROUPR0",
            "GICD_IGROUPR1", "GICD_ISENABLER0", "GICD_ISENABLER1", "GICD_ICENABLER0", "GICD_ISPENDR0",
            "GICD_ISACTIVER0", "GICD_IPRIORITYR0", "GICD_IPRIORITYR8", "GICD_ITARGETSR0", "GICD_ITARGETSR7",
            "GICD_ITARGETSR8", "GICD_ICFGR0", "GICD_ICFGR1", "GICD_ICFGR2", "GICD_CPENDSGIR0", "GICD_SPENDSGIR0"};
        int[] dOffsets = {0, 4, 8, 0xc, 0x10, 0x80, 0x84, 0x100, 0x104, 0x180, 0x200, 0x300, 0x400, 0x420, 0x800,
            0x81c, 0x820, 0xc00, 0xc04, 0xc08, 0xf10, 0xf20};
        for (int i = 0; i < dNames.length; i++) {
            out.put(dNames[i], d(dOffsets[i]));
        }
        for (int o = 0xfd0; o < 0x1000; o += 4) {
            out.put("GICD_ID_0x" + Integer.toHexString(o), d(o));
        }
        out.put("GICD_ISENABLER9(beyond)", d(0x124));
        String[] cNames = {"GICC_CTLR", "GICC_PMR", "GICC_BPR", "GICC_RPR", "GICC_HPPIR", "GICC_ABPR", "GICC_AIAR",
            "GICC_AHPPIR", "GICC_APR0", "GICC_NSAPR0", "GICC_IIDR", "GICC_IAR_idle"};
        int[] cOffsets = {0, 4, 8, 0x14, 0x18, 0x1c, 0x20, 0x28, 0xd0, 0xe0, 0xfc, 0xc};
        for (int i = 0; i < cNames.length; i++) {
            out.put(cNames[i], c(cOffsets[i]));
        }
        c(0, 0xffffffffL);
        out.put("GICC_CTLR_w1s", c(0));
        c(0, 0);
        c(4, 0xffffffffL);
        out.put("GICC_PMR_w1s", c(4));
        c(8, 0xffffffffL);
        out.put("GICC_BPR_w1s", c(8));
        c(8, 0);
        out.put("GICC_BPR_w0", c(8));
        c(0x1c, 0);
        out.put("GICC_ABPR_w0", c(0x1c));
        d(0, 0xffffffffL);
        out.put("GICD_CTLR_w1s", d(0));
        d(0, 0);
        d(0x80, 0xffffffffL);
        out.put("GICD_IGROUPR0_w1s", d(0x80));
        d(0x80, 0);
        d(0x180, 0xffffffffL);
        out.put("GICD_ISENABLER0_after_clear_all", d(0x100));
        d(0x100, 0);
        out.put("GICD_ISENABLER0_after_set0", d(0x100));
        d(0x400, 0xffffffffL);
        out.put("GICD_IPRIORITYR0_w1s", d(0x400));
        d(0x400, 0);
        dist.write(0x421, 1, 0xa0);
        out.put("GICD_IPRIORITYR8_byte", d(0x420));
        d(0x800, 0xffffffffL);
        out.put("GICD_ITARGETSR0_w1s", d(0x800));
        d(0x820, 0xffffffffL);
        out.put("GICD_ITARGETSR8_w1s", d(0x820));
        d(0xc00, 0);
        out.put("GICD_ICFGR0_w0", d(0xc00));
        d(0xc04, 0xffffffffL);
        out.put("GICD_ICFGR1_w1s", d(0xc04));
        d(0xc04, 0);
        d(0xc08, 0xffffffffL);
        out.put("GICD_ICFGR2_w1s", d(0xc08));
        d(0xc08, 0);
        d(0x200, 0xffffffffL);
        out.put("GICD_ISPENDR0_after_set_all", d(0x200));
        d(0x280, 0xffffffffL);
        out.put("GICD_ISPENDR0_after_clear_all", d(0x200));
        d(0x300, 0xffffffffL);
        out.put("GICD_ISACTIVER0_after_write", d(0x300));
        d(0x380, 0xffffffffL);
        out.put("GICD_ISACTIVER0_after_icactiver", d(0x300));
        d(0x304, 5);
        out.put("GICD_ISACTIVER1_after_write", d(0x304));
        d(0x384, 0xffffffffL);
        out.put("GICD_ISACTIVER1_after_icactiver", d(0x304));
        // SGI flow
        d(0, 1);
        c(4, 0xf0);
        c(0, 1);
        dist.write(0x403, 1, 0x40);
        d(SGIR, (2L << 24) | 3);
        out.put("SGI_ISPENDR0", d(0x200));
        out.put("SGI_SPENDSGIR0", d(0xf20));
        out.put("SGI_HPPIR", c(0x18));
        out.put("SGI_RPR_before", c(0x14));
        long iar = c(0xc);
        out.put("SGI_IAR", iar);
        out.put("SGI_RPR_active", c(0x14));
        out.put("SGI_ISACTIVER0", d(0x300));
        out.put("SGI_ISPENDR0_after_ack", d(0x200));
        out.put("SGI_APR0", c(0xd0));
        out.put("SGI_IAR_again", c(0xc));
        c(0x10, iar);
        out.put("SGI_RPR_after_eoi", c(0x14));
        out.put("SGI_ISACTIVER0_after_eoi", d(0x300));
        dist.write(0xf21, 1, 1);
        out.put("SPENDSGI_ISPENDR0", d(0x200));
        out.put("SPENDSGI_SPENDSGIR0", d(0xf20));
        dist.write(0xf11, 1, 1);
        out.put("CPENDSGI_ISPENDR0", d(0x200));
        // SPI 34 by ISPENDR, PMR filtering
        dist.write(0x422, 1, 0x80);
        d(0x104, 1 << 2);
        d(0x204, 1 << 2);
        out.put("SPI34_HPPIR", c(0x18));
        c(4, 0x80);
        out.put("SPI34_HPPIR_pmr80", c(0x18));
        out.put("SPI34_IAR_pmr80", c(0xc));
        c(4, 0x81);
        out.put("SPI34_HPPIR_pmr81", c(0x18));
        iar = c(0xc);
        out.put("SPI34_IAR", iar);
        out.put("SPI34_RPR", c(0x14));
        out.put("SPI34_ISPENDR1_after_ack", d(0x204));
        out.put("SPI34_ISACTIVER1", d(0x304));
        // preemption
        dist.write(0x405, 1, 0x10);
        d(SGIR, (2L << 24) | 5);
        out.put("PRE_HPPIR", c(0x18));
        long iar2 = c(0xc);
        out.put("PRE_IAR", iar2);
        out.put("PRE_RPR", c(0x14));
        out.put("PRE_APR0", c(0xd0));
        c(0x10, iar2);
        out.put("PRE_RPR_after_eoi5", c(0x14));
        c(0x10, iar);
        out.put("PRE_RPR_after_eoi34", c(0x14));
        // EOImode split
        c(0, 1 | (1 << 9));
        d(SGIR, (2L << 24) | 6);
        iar = c(0xc);
        out.put("SPLIT_IAR", iar);
        c(0x10, iar);
        out.put("SPLIT_RPR_after_eoi", c(0x14));
        out.put("SPLIT_ISACTIVER0", d(0x300));
        c(0x1000, iar);
        out.put("SPLIT_ISACTIVER0_after_dir", d(0x300));
        c(0, 1);
        // ICACTIVER while active
        d(SGIR, (2L << 24) | 7);
        iar = c(0xc);
        d(0x380, 1 << 7);
        out.put("ICACT_ISACTIVER0", d(0x300));
        out.put("ICACT_RPR", c(0x14));
        c(0x10, iar);
        out.put("ICACT_RPR_after_eoi", c(0x14));
        // Group 1
        d(0x80, 1 << 8);
        d(0, 3);
        c(0, 3);
        d(SGIR, (2L << 24) | 8);
        out.put("G1_HPPIR", c(0x18));
        out.put("G1_AHPPIR", c(0x28));
        out.put("G1_IAR_ackctl0", c(0xc));
        c(0, 7);
        iar = c(0xc);
        out.put("G1_IAR_ackctl1", iar);
        out.put("G1_NSAPR0", c(0xe0));
        c(0x10, iar);
        d(SGIR, (2L << 24) | 8);
        iar = c(0x20);
        out.put("G1_AIAR", iar);
        c(0x24, iar);
        out.put("G1_RPR_after_aeoi", c(0x14));
        out.put("G1_ISACTIVER0", d(0x300));
        return out;
    }

    @Test
    void replaysTheQemuProbe() throws IOException {
        Map<String, Long> qemu = qemuProbeOutput();
        Map<String, Long> model = replayProbe();
        assertTrue(model.size() > 100, "the replay covers the probe");
        for (Map.Entry<String, Long> e : model.entrySet()) {
            assertTrue(qemu.containsKey(e.getKey()), "QEMU printed " + e.getKey());
            assertEquals(Long.toHexString(qemu.get(e.getKey())), Long.toHexString(e.getValue()), e.getKey());
        }
        for (String key : qemu.keySet()) {
            if (!key.startsWith("RTC_") && !key.equals("CNTFRQ") && !key.startsWith("GIC_ISPENDR1_rtc")) {
                assertTrue(model.containsKey(key), "replay covers " + key);
            }
        }
    }

    @Test
    void typerSaysThreeHundredInterruptLinesOneCpuNoSecurityExtensions() {
        long typer = d(0x004);
        assertEquals(8, typer & 0x1f, "ITLinesNumber: (8 + 1) * 32 = 288 interrupts");
        assertEquals(0, (typer >> 5) & 7, "CPUNumber: one CPU");
        assertEquals(0, (typer >> 10) & 1, "SecurityExtn");
        assertEquals(0x08, dist.read(0x004, 1));
        assertEquals(0x3b, dist.read(0x008, 1));
        assertEquals(0x04, dist.read(0x009, 1));
    }

    @Test
    void levelTimerPpiTakenAndCompletedLikeEdk2() {
        enableLikeEdk2();
        d(ISENABLER, 1L << 27);
        assertFalse(gic.irqPending());
        gic.setLevel(27, true);
        assertTrue(gic.irqPending());
        assertEquals(List.of("irq=true fiq=false"), outputChanges);
        assertEquals(1L << 27, d(ISPENDR) & (1L << 27), "a high level input reads pending");
        assertEquals(27, c(C_HPPIR));
        assertEquals(27, c(C_IAR));
        assertFalse(gic.irqPending(), "active: no longer signalled");
        assertEquals(0, c(C_RPR), "BPR 7: group priority 0");
        assertEquals(1L << 27, d(ISACTIVER) & (1L << 27));
        // The handler re-arms the timer (line drops), then EOIs.
        gic.setLevel(27, false);
        c(C_EOIR, 27);
        assertFalse(gic.irqPending());
        assertEquals(0xff, c(C_RPR));
        assertEquals(0, d(ISACTIVER));
        assertEquals(GicV2.SPURIOUS, c(C_IAR));
        assertEquals(List.of("irq=true fiq=false", "irq=false fiq=false"), outputChanges);
    }

    @Test
    void levelStillHighAtEndOfInterruptIsSignalledAgain() {
        enableLikeEdk2();
        d(ISENABLER, 1L << 30);
        gic.setLevel(30, true);
        assertEquals(30, c(C_IAR));
        c(C_EOIR, 30);
        assertTrue(gic.irqPending(), "the input is still high");
        assertEquals(30, c(C_IAR));
    }

    @Test
    void clearPendingDoesNotHideAHighLevelInput() {
        enableLikeEdk2();
        d(ISENABLER + 4, 1L << 2);
        gic.setLevel(34, true);
        d(ICPENDR + 4, 1L << 2);
        assertEquals(1L << 2, d(ISPENDR + 4));
        assertTrue(gic.irqPending());
        gic.setLevel(34, false);
        assertEquals(0, d(ISPENDR + 4));
        assertFalse(gic.irqPending());
    }

    @Test
    void edgeConfiguredSpiLatchesOnRisingEdge() {
        enableLikeEdk2();
        d(ICFGR + 8, 2L << ((33 - 32) * 2)); // interrupt 33 edge-triggered
        assertEquals(2L << 2, d(ICFGR + 8));
        d(ISENABLER + 4, 1L << 1);
        gic.setLevel(33, true);
        gic.setLevel(33, false);
        assertTrue(gic.irqPending(), "latched although the line dropped");
        gic.setLevel(33, true); // still pending: no second latch needed
        assertEquals(33, c(C_IAR));
        assertEquals(0, d(ISPENDR + 4) & 2, "acknowledge clears the latch, the high level does not count for edge");
        c(C_EOIR, 33);
        assertFalse(gic.irqPending());
    }

    @Test
    void disabledInterruptIsPendingButNotSignalled() {
        enableLikeEdk2();
        gic.setLevel(40, true);
        assertEquals(1L << 8, d(ISPENDR + 4));
        assertFalse(gic.irqPending());
        assertEquals(GicV2.SPURIOUS, c(C_HPPIR));
        d(ISENABLER + 4, 1L << 8);
        assertTrue(gic.irqPending());
        d(ICENABLER + 4, 1L << 8);
        assertFalse(gic.irqPending());
    }

    @Test
    void nothingIsSignalledWhileEitherInterfaceIsOff() {
        d(ISENABLER, 1L << 27);
        gic.setLevel(27, true);
        c(C_PMR, 0xff);
        c(C_CTLR, 1);
        assertFalse(gic.irqPending(), "distributor off");
        d(CTLR, 1);
        assertTrue(gic.irqPending());
        c(C_CTLR, 0);
        assertFalse(gic.irqPending(), "CPU interface off");
        assertEquals(GicV2.SPURIOUS, c(C_IAR));
    }

    @Test
    void priorityMaskZeroBlocksEverything() {
        d(CTLR, 1);
        c(C_CTLR, 1);
        d(ISENABLER, 1L << 27);
        gic.setLevel(27, true);
        assertFalse(gic.irqPending(), "PMR resets to 0: nothing has a priority below it");
        c(C_PMR, 1);
        assertTrue(gic.irqPending());
    }

    @Test
    void lowestNumberWinsAmongEqualPriorities() {
        enableLikeEdk2();
        d(ISENABLER + 4, 0b1100);
        gic.setLevel(35, true);
        gic.setLevel(34, true);
        assertEquals(34, c(C_IAR));
    }

    @Test
    void higherPriorityInterruptPreemptsOnlyAcrossGroupPriorities() {
        d(CTLR, 1);
        c(C_PMR, 0xff);
        c(C_CTLR, 1);
        c(C_BPR, 3); // group priority bits [7:4]
        dist.write(IPRIORITYR + 34, 1, 0x80);
        dist.write(IPRIORITYR + 35, 1, 0x88); // same group priority as 34
        dist.write(IPRIORITYR + 36, 1, 0x70); // higher group
        d(ISENABLER + 4, 0b11100);
        gic.setLevel(34, true);
        assertEquals(34, c(C_IAR));
        gic.setLevel(35, true);
        assertFalse(gic.irqPending(), "0x88 is not below running 0x80");
        assertEquals(GicV2.SPURIOUS, c(C_IAR));
        gic.setLevel(36, true);
        assertTrue(gic.irqPending());
        assertEquals(36, c(C_IAR));
        assertEquals(0x70, c(C_RPR));
        c(C_EOIR, 36);
        assertEquals(0x80, c(C_RPR));
    }

    @Test
    void group0WithFiqEnIsSignalledAsFiq() {
        d(CTLR, 3);
        c(C_PMR, 0xff);
        c(C_CTLR, 1 | GicV2.GICC_CTLR_FIQ_EN);
        d(ISENABLER, 1L << 27);
        gic.setLevel(27, true);
        assertTrue(gic.fiqPending());
        assertFalse(gic.irqPending());
        d(0x080, 1L << 27); // move to Group 1: IRQ, but only with EnableGrp1 in the CPU interface
        assertFalse(gic.fiqPending());
        assertFalse(gic.irqPending());
        c(C_CTLR, 3 | GicV2.GICC_CTLR_ACK_CTL);
        assertTrue(gic.irqPending());
        assertEquals(27, c(C_IAR));
    }

    @Test
    void sgiCarriesItsSourceCpuAndTargetFilters() {
        enableLikeEdk2();
        d(SGIR, (1L << 24) | 4); // all but self: nobody else exists
        assertFalse(gic.irqPending());
        d(SGIR, (0L << 24) | (0x2L << 16) | 4); // target list CPU 1 only
        assertFalse(gic.irqPending());
        d(SGIR, (0L << 24) | (0x1L << 16) | 4); // target list CPU 0
        assertTrue(gic.irqPending());
        dist.write(0xF24, 1, 0x4); // also pending from CPU 2
        assertEquals(4, c(C_IAR), "source CPU 0 first");
        c(C_EOIR, 4);
        assertEquals(4 | (2 << 10), c(C_IAR), "then source CPU 2");
        c(C_EOIR, 4);
        assertEquals(GicV2.SPURIOUS, c(C_IAR));
    }

    @Test
    void sgirTakesOnlyWordWrites() {
        enableLikeEdk2();
        dist.write(SGIR, 1, 3);
        dist.write(SGIR, 2, (2 << 8) | 3);
        assertEquals(0, d(ISPENDR));
        dist.write(SGIR, 4, (2L << 24) | 3);
        assertEquals(1L << 3, d(ISPENDR));
    }

    @Test
    void zeroByteToSpendsgirChangesNothing() {
        d(0xF20, 0x0000_0100L); // only SGI 1 from CPU 0; bytes 0, 2, 3 are zero
        assertEquals(0b10, d(ISPENDR));
        enableLikeEdk2();
        assertEquals(1, c(C_IAR));
        assertEquals(GicV2.SPURIOUS, c(C_IAR));
    }

    @Test
    void eightByteAccessIsTwoWords() {
        dist.write(IPRIORITYR, 8, 0x8877_6655_4433_2211L);
        assertEquals(0x4433_2211L, d(IPRIORITYR));
        assertEquals(0x8877_6655L, d(IPRIORITYR + 4));
        assertEquals(0x8877_6655_4433_2211L, dist.read(IPRIORITYR, 8));
        cpu.write(C_PMR, 8, 0x0000_0007_0000_00f0L); // PMR then BPR
        assertEquals(0xf0, c(C_PMR));
        assertEquals(7, c(C_BPR));
    }

    @Test
    void halfwordReadsComposeBytes() {
        dist.write(IPRIORITYR + 40, 4, 0x4030_2010L);
        assertEquals(0x3020, dist.read(IPRIORITYR + 41, 2));
        assertEquals(0x40, dist.read(IPRIORITYR + 43, 1));
        assertEquals(0, cpu.read(C_PMR + 1, 1), "the CPU interface decodes whole registers only");
    }

    @Test
    void resetKeepsInputLevelsAndClearsTheRest() {
        enableLikeEdk2();
        d(ISENABLER, 1L << 27);
        gic.setLevel(27, true);
        assertEquals(27, c(C_IAR));
        gic.reset();
        assertFalse(gic.irqPending());
        assertEquals(0xffff, d(ISENABLER));
        assertEquals(0, d(ISACTIVER));
        assertEquals(0xff, c(C_RPR));
        assertTrue(gic.inputLevel(27));
        assertEquals(1L << 27, d(ISPENDR), "the high level still reads pending");
        enableLikeEdk2();
        d(ISENABLER, 1L << 27);
        assertTrue(gic.irqPending());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 15, 288, 1000, -1})
    void inputsExistOnlyForPpisAndSpis(int irq) {
        assertThrows(IllegalArgumentException.class, () -> gic.setLevel(irq, true));
        assertThrows(IllegalArgumentException.class, () -> gic.line(irq));
    }

    @Test
    void lineDrivesTheInput() {
        enableLikeEdk2();
        d(ISENABLER + 4, 1L << 2);
        gic.line(34).set(true);
        assertTrue(gic.irqPending());
        assertTrue(gic.inputLevel(34));
    }

    @Test
    void guestNoiseNeverThrowsAndLeavesDefinedState() {
        SplittableRandom random = new SplittableRandom(8);
        int[] sizes = {1, 2, 4, 8, 3, 0, 16};
        for (int i = 0; i < 200_000; i++) {
            MmioHandler h = random.nextBoolean() ? dist : cpu;
            long offset = random.nextInt(4) == 0 ? random.nextLong() : random.nextInt(0x1_1000);
            int size = sizes[random.nextInt(sizes.length)];
            long value = random.nextLong();
            if (random.nextBoolean()) {
                assertDoesNotThrow(() -> h.read(offset, size));
            } else {
                assertDoesNotThrow(() -> h.write(offset, size, value));
            }
            if (i % 1000 == 0) {
                gic.setLevel(16 + random.nextInt(GicV2.NUM_IRQS - 16), random.nextBoolean());
            }
        }
        long rpr = c(C_RPR);
        assertTrue(rpr <= 0xff);
        long hppir = c(C_HPPIR);
        assertTrue(hppir < GicV2.NUM_IRQS || hppir == GicV2.SPURIOUS || hppir == GicV2.SPURIOUS_GROUP1);
    }
}
