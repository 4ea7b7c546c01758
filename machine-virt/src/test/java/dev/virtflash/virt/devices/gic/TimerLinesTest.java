package dev.virtflash.virt.devices.gic;

import static dev.virtflash.virt.devices.gic.TimerLines.CTL_ENABLE;
import static dev.virtflash.virt.devices.gic.TimerLines.CTL_IMASK;
import static dev.virtflash.virt.devices.gic.TimerLines.CTL_ISTATUS;
import static dev.virtflash.virt.devices.gic.TimerLines.NEVER;
import static dev.virtflash.virt.devices.gic.TimerLines.Register.CNTP_CTL;
import static dev.virtflash.virt.devices.gic.TimerLines.Register.CNTP_CVAL;
import static dev.virtflash.virt.devices.gic.TimerLines.Register.CNTP_TVAL;
import static dev.virtflash.virt.devices.gic.TimerLines.Register.CNTV_CTL;
import static dev.virtflash.virt.devices.gic.TimerLines.Register.CNTV_CVAL;
import static dev.virtflash.virt.devices.gic.TimerLines.Register.CNTV_TVAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TimerLinesTest {

    private final List<String> lines = new ArrayList<>();
    private TimerLines timers;

    @BeforeEach
    void setUp() {
        timers = new TimerLines(level -> lines.add("phys=" + level), level -> lines.add("virt=" + level),
                TimerLines.QEMU_FREQUENCY_HZ);
    }

    @Test
    void decodesTheSixTimerRegistersAndNothingElse() {
        assertEquals(CNTP_TVAL, TimerLines.decode(3, 3, 14, 2, 0));
        assertEquals(CNTP_CTL, TimerLines.decode(3, 3, 14, 2, 1));
        assertEquals(CNTP_CVAL, TimerLines.decode(3, 3, 14, 2, 2));
        assertEquals(CNTV_TVAL, TimerLines.decode(3, 3, 14, 3, 0));
        assertEquals(CNTV_CTL, TimerLines.decode(3, 3, 14, 3, 1));
        assertEquals(CNTV_CVAL, TimerLines.decode(3, 3, 14, 3, 2));
        assertNull(TimerLines.decode(3, 3, 14, 0, 2), "CNTVCT_EL0 stays with the CPU");
        assertNull(TimerLines.decode(3, 3, 14, 0, 0), "CNTFRQ_EL0");
        assertNull(TimerLines.decode(3, 7, 14, 2, 1), "CNTPS_CTL_EL1 (secure timer)");
        assertNull(TimerLines.decode(3, 4, 14, 2, 1), "CNTHP_CTL_EL2");
        assertNull(TimerLines.decode(3, 0, 4, 2, 2), "CurrentEL");
        assertEquals(27, CNTV_CTL.timer().irq());
        assertEquals(30, CNTP_CTL.timer().irq());
    }

    @Test
    void istatusAndLineFollowTheCompareLikeQemu() {
        timers.write(CNTV_CVAL, 1000, 0);
        assertEquals(0, timers.read(CNTV_CTL, 2000), "disabled: no ISTATUS");
        timers.write(CNTV_CTL, CTL_ENABLE, 999);
        assertEquals(CTL_ENABLE, timers.read(CNTV_CTL, 999));
        assertEquals(List.of(), lines);
        assertEquals(CTL_ENABLE | CTL_ISTATUS, timers.read(CNTV_CTL, 1000));
        timers.refresh(1000);
        assertEquals(List.of("virt=true"), lines);
        assertTrue(timers.asserted(TimerLines.Timer.VIRTUAL));
        // EDK2's handler masks, reprograms, unmasks
        timers.write(CNTV_CTL, CTL_ENABLE | CTL_IMASK, 1001);
        assertEquals(CTL_ENABLE | CTL_IMASK | CTL_ISTATUS, timers.read(CNTV_CTL, 1001), "ISTATUS ignores IMASK");
        timers.write(CNTV_CVAL, 5000, 1002);
        timers.write(CNTV_CTL, CTL_ENABLE, 1003);
        assertEquals(List.of("virt=true", "virt=false"), lines);
        assertFalse(timers.asserted(TimerLines.Timer.PHYSICAL));
    }

    @Test
    void ctlWritesKeepOnlyEnableAndImask() {
        timers.write(CNTP_CTL, 0xffff_ffffL, 0);
        assertEquals(CTL_ENABLE | CTL_IMASK | CTL_ISTATUS, timers.read(CNTP_CTL, 0), "CVAL 0 <= count 0");
        assertEquals(List.of(), lines, "masked");
    }

    @Test
    void tvalIsASignedThirtyTwoBitViewOfCval() {
        timers.write(CNTP_TVAL, 62_500, 1_000_000);
        assertEquals(1_062_500, timers.read(CNTP_CVAL, 0));
        assertEquals(62_500 - 100, timers.read(CNTP_TVAL, 1_000_100));
        assertEquals(0xFFFF_FF9CL, timers.read(CNTP_TVAL, 1_062_600), "100 ticks late: -100 as uint32");
        timers.write(CNTP_TVAL, 0xFFFF_FFFFL, 10); // -1
        assertEquals(9, timers.read(CNTP_CVAL, 0));
    }

    @Test
    void virtualTimerCountsPhysicalMinusOffset() {
        timers.setVirtualOffset(1000);
        timers.write(CNTV_CVAL, 500, 0);
        timers.write(CNTV_CTL, CTL_ENABLE, 1499);
        assertEquals(List.of(), lines);
        timers.refresh(1500);
        assertEquals(List.of("virt=true"), lines);
        assertEquals(1000, timers.count(TimerLines.Timer.PHYSICAL, 1000));
        assertEquals(0, timers.count(TimerLines.Timer.VIRTUAL, 1000));
    }

    @Test
    void compareIsUnsigned() {
        timers.write(CNTP_CVAL, 0x8000_0000_0000_0000L, 0);
        timers.write(CNTP_CTL, CTL_ENABLE, 0x7FFF_FFFF_FFFF_FFFFL);
        assertEquals(List.of(), lines);
        timers.refresh(0x8000_0000_0000_0000L);
        assertEquals(List.of("phys=true"), lines);
    }

    @Test
    void deadlineIsTheEarliestUnmaskedEnabledTimerInHostNanos() {
        long now = 5_000_000_000L;
        long count = now / 16;
        assertEquals(NEVER, timers.nextDeadlineNanos(count, now));
        timers.write(CNTP_CVAL, count + 62_500, count); // 1 ms
        timers.write(CNTP_CTL, CTL_ENABLE, count);
        timers.write(CNTV_CVAL, count + 625, count); // 10 us
        timers.write(CNTV_CTL, CTL_ENABLE | CTL_IMASK, count);
        assertEquals(now + 1_000_000, timers.nextDeadlineNanos(count, now), "the masked virtual timer does not count");
        timers.write(CNTV_CTL, CTL_ENABLE, count);
        assertEquals(now + 10_000, timers.nextDeadlineNanos(count, now));
        timers.refresh(count + 625);
        assertEquals(now + 10_000 + 1_000_000 - 10_000, timers.nextDeadlineNanos(count + 625, now + 10_000),
                "a timer already firing has no future deadline");
    }

    @Test
    void deadlineRoundsUpAndSaturates() {
        TimerLines slow = new TimerLines(l -> { }, l -> { }, 3);
        assertEquals(333_333_334L, slow.ticksToNanos(1));
        assertEquals(1_000_000_000L, slow.ticksToNanos(3));
        assertEquals(16, timers.ticksToNanos(1));
        assertEquals(NEVER, timers.ticksToNanos(-1L), "2^64 - 1 ticks");
        timers.write(CNTP_CVAL, -1L, 0);
        timers.write(CNTP_CTL, CTL_ENABLE, 0);
        assertEquals(NEVER, timers.nextDeadlineNanos(0, Long.MAX_VALUE - 5));
        timers.write(CNTP_CVAL, 100, 0);
        assertEquals(NEVER, timers.nextDeadlineNanos(0, Long.MAX_VALUE - 5), "now + 1600 ns overflows");
    }

    @Test
    void forGicDrivesPpis30And27() {
        GicV2 gic = new GicV2();
        TimerLines t = TimerLines.forGic(gic);
        t.write(CNTV_CTL, CTL_ENABLE, 0);
        assertTrue(gic.inputLevel(27));
        assertFalse(gic.inputLevel(30));
        t.write(CNTP_CTL, CTL_ENABLE, 0);
        assertTrue(gic.inputLevel(30));
        t.reset();
        assertFalse(gic.inputLevel(27));
        assertFalse(gic.inputLevel(30));
        assertEquals(0, t.read(CNTV_CTL, 100));
    }

    @Test
    void rejectsImpossibleFrequencies() {
        assertThrows(IllegalArgumentException.class, () -> new TimerLines(l -> { }, l -> { }, 0));
        assertThrows(IllegalArgumentException.class, () -> new TimerLines(l -> { }, l -> { }, 2_000_000_000L));
    }
}
