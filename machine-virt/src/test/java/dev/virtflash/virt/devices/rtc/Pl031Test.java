package dev.virtflash.virt.devices.rtc;

import static dev.virtflash.virt.devices.rtc.Pl031.RTCCR;
import static dev.virtflash.virt.devices.rtc.Pl031.RTCDR;
import static dev.virtflash.virt.devices.rtc.Pl031.RTCICR;
import static dev.virtflash.virt.devices.rtc.Pl031.RTCIMSC;
import static dev.virtflash.virt.devices.rtc.Pl031.RTCLR;
import static dev.virtflash.virt.devices.rtc.Pl031.RTCMIS;
import static dev.virtflash.virt.devices.rtc.Pl031.RTCMR;
import static dev.virtflash.virt.devices.rtc.Pl031.RTCRIS;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

class Pl031Test {

    private static final long SECOND = 1_000_000_000L;
    /** 2026-11-25T08:00:00Z. */
    private static final long START = 1_795_593_600L;

    private final List<Boolean> irq = new ArrayList<>();
    /** A manual monotonic clock, starting at an arbitrary non-zero point (as nanoTime does). */
    private long now = 123_456_789_012L;
    private Pl031 rtc;

    @BeforeEach
    void setUp() {
        rtc = new Pl031(() -> now, START, irq::add);
    }

    private long rd(int offset) {
        return rtc.read(offset, 4);
    }

    private void wr(int offset, long value) {
        rtc.write(offset, 4, value);
    }

    private static Map<String, Long> qemuProbeOutput() throws IOException {
        Map<String, Long> values = new LinkedHashMap<>();
        try (InputStream in = Pl031Test.class.getResourceAsStream("/gic-pl031-probe/qemu72-output.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            Matcher m = Pattern.compile("(?m)^(RTC_\\S+?)=0x([0-9a-f]+)\\r?$").matcher(text);
            while (m.find()) {
                values.put(m.group(1), Long.parseUnsignedLong(m.group(2), 16));
            }
        }
        return values;
    }

    @Test
    void timeIndependentRegistersMatchQemu72() throws IOException {
        Map<String, Long> qemu = qemuProbeOutput();
        assertEquals(qemu.get("RTC_MR"), rd(RTCMR));
        assertEquals(qemu.get("RTC_LR"), rd(RTCLR));
        assertEquals(qemu.get("RTC_CR"), rd(RTCCR));
        assertEquals(qemu.get("RTC_IMSC"), rd(RTCIMSC));
        assertEquals(qemu.get("RTC_RIS"), rd(RTCRIS));
        assertEquals(qemu.get("RTC_MIS"), rd(RTCMIS));
        for (int o = 0xfe0; o < 0x1000; o += 4) {
            assertEquals(qemu.get("RTC_ID_0x" + Integer.toHexString(o)), rd(o), "ID at 0x" + Integer.toHexString(o));
        }
        assertEquals(qemu.get("RTC_0x20"), rd(0x20));
        assertEquals(qemu.get("RTC_DR_byte1"), rtc.read(1, 1));
        wr(RTCLR, 1000);
        assertEquals(qemu.get("RTC_DR_after_LR1000"), rd(RTCDR));
        assertEquals(qemu.get("RTC_LR_after"), rd(RTCLR));
        wr(RTCCR, 0);
        assertEquals(qemu.get("RTC_CR_after_w0"), rd(RTCCR));
        wr(RTCCR, 0xff);
        assertEquals(qemu.get("RTC_CR_after_wff"), rd(RTCCR));
        wr(RTCIMSC, 0xff);
        assertEquals(qemu.get("RTC_IMSC_wff"), rd(RTCIMSC));
    }

    @Test
    void countsWallClockSecondsFromTheStartTime() {
        assertEquals(START, rd(RTCDR));
        now += SECOND - 1;
        assertTrue(rd(RTCDR) - START <= 1);
        now += 3600 * SECOND;
        assertTrue(rd(RTCDR) - START >= 3600 && rd(RTCDR) - START <= 3601);
        assertEquals(rd(RTCDR) & 0xff, rtc.read(RTCDR, 1), "a byte read sees the low bits");
    }

    @Test
    void loadSetsTheCounterWhichKeepsRunning() {
        wr(RTCLR, 0xFFFF_FFFEL);
        assertEquals(0xFFFF_FFFEL, rd(RTCDR));
        now += 3 * SECOND;
        assertEquals(1, rd(RTCDR), "wraps at 2^32");
    }

    @Test
    void matchRaisesRisAfterTheDifferenceAndMisFollowsTheMask() {
        long count = rd(RTCDR);
        wr(RTCMR, count + 2);
        assertEquals(now + 2 * SECOND, rtc.alarmDeadlineNanos());
        now += 2 * SECOND - 1;
        assertEquals(0, rd(RTCRIS));
        now += 1;
        assertEquals(1, rd(RTCRIS));
        assertEquals(0, rd(RTCMIS));
        assertEquals(List.of(), irq, "masked: the line stays low");
        wr(RTCIMSC, 1);
        assertEquals(1, rd(RTCMIS));
        assertEquals(List.of(true), irq);
        assertTrue(rtc.interruptLevel());
        wr(RTCICR, 1);
        assertEquals(0, rd(RTCRIS));
        assertEquals(List.of(true, false), irq);
        assertEquals(Pl031.NO_ALARM, rtc.alarmDeadlineNanos());
    }

    @Test
    void checkAlarmFiresWithoutAnAccess() {
        wr(RTCIMSC, 1);
        wr(RTCMR, rd(RTCDR) + 5);
        now += 5 * SECOND;
        assertEquals(List.of(), irq);
        rtc.checkAlarm();
        assertEquals(List.of(true), irq);
    }

    @Test
    void matchEqualToTheCountFiresAtOnceAndBehindWaitsForTheWrap() {
        wr(RTCIMSC, 1);
        wr(RTCMR, rd(RTCDR));
        assertEquals(List.of(true), irq);
        wr(RTCICR, 1);
        wr(RTCMR, rd(RTCDR) - 1);
        assertEquals(now + 0xFFFF_FFFFL * SECOND, rtc.alarmDeadlineNanos());
    }

    @Test
    void loadReArmsTheAlarm() {
        wr(RTCMR, 500);
        wr(RTCLR, 498);
        assertEquals(now + 2 * SECOND, rtc.alarmDeadlineNanos());
        wr(RTCLR, 500);
        assertEquals(1, rd(RTCRIS));
    }

    @Test
    void readOnlyAndUnknownRegistersIgnoreWrites() {
        long count = rd(RTCDR);
        wr(RTCDR, 5);
        wr(RTCRIS, 1);
        wr(RTCMIS, 1);
        wr(0xFE0, 0);
        assertEquals(count, rd(RTCDR));
        assertEquals(0, rd(RTCRIS));
        assertEquals(0x31, rd(0xFE0));
        assertEquals(0x31, rtc.read(0xFE1, 1), "any byte of an ID word reads that word's ID");
        assertEquals(0, rd(RTCICR), "write-only");
    }

    @Test
    void hostClockInstanceStartsAtWallClockTime() {
        Pl031 host = Pl031.withHostClock(level -> { });
        long epoch = java.time.Instant.now().getEpochSecond();
        assertTrue(Math.abs(host.count() - epoch) <= 1, host.count() + " vs " + epoch);
    }

    @Test
    void guestNoiseNeverThrows() {
        SplittableRandom random = new SplittableRandom(31);
        int[] sizes = {1, 2, 4, 8, 3};
        for (int i = 0; i < 50_000; i++) {
            long offset = random.nextInt(8) == 0 ? random.nextLong() : random.nextInt(0x1100);
            int size = sizes[random.nextInt(sizes.length)];
            long value = random.nextLong();
            now += random.nextInt(1000) * 1_000_000L;
            if (random.nextBoolean()) {
                assertDoesNotThrow(() -> rtc.read(offset, size));
            } else {
                assertDoesNotThrow(() -> rtc.write(offset, size, value));
            }
        }
        assertEquals(1, rd(RTCCR));
        assertFalse(rd(RTCIMSC) > 1);
    }
}
