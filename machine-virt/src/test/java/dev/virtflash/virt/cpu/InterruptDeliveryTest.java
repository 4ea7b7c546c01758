package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.virt.devices.gic.TimerLines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * IRQ delivery and the generic timer through the CPU binding: exception entry into the guest's IRQ vector, the
 * timer registers as the guest sees them, masking, WFI sleeping and waking, device deadlines.
 */
class InterruptDeliveryTest {

    private static final long RAM = InterruptTestMachine.RAM_BASE;
    /** 1 ms of the 62.5 MHz counter. */
    private static final long ONE_MS = TimerLines.QEMU_FREQUENCY_HZ / 1000;
    private static final long PSTATE_IL = 1L << 20;
    private static final long PSTATE_I = 1L << 7;
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "wait mode {0}")
    @CsvSource({"0, WFI", "1, spinning", "3, WFI with IRQs masked"})
    void timerInterruptsReachTheGuestsIrqVector(int mode, String what) throws Exception {
        try (InterruptTestMachine m = new InterruptTestMachine()) {
            GuestProgram p = GuestProgram.build("timer_irq", RAM, tmp);
            m.load(p);
            m.cpu.x(5, ONE_MS);
            m.cpu.x(6, 20);
            m.cpu.x(7, mode);
            CpuExit exit = m.cpu.run(LIMIT);
            assertEquals(0, assertInstanceOf(CpuExit.SemihostingExit.class, exit, exit::describe).code());
            // One more may come between the loop's last check and its masking the IRQ again.
            assertTrue(m.cpu.x(20) >= 20, m.cpu.x(20) + " IRQs counted by the guest's handler");
            assertEquals(m.cpu.x(20), m.cpu.interruptsTaken());
            assertEquals(TimerLines.IRQ_VIRTUAL, m.cpu.x(23), "GICC_IAR in the handler: the virtual timer's PPI");
            long spsr = m.cpu.x(21);
            assertEquals(0x5, spsr & 0x1F, "interrupted in EL1h (AArch64)");
            assertEquals(0, spsr & PSTATE_I, "never taken while masked");
            assertEquals(0, spsr & PSTATE_IL);
            long elr = m.cpu.x(22);
            assertTrue(elr > p.symbol("_start") && elr < p.symbol("vectors") && elr % 4 == 0,
                    "ELR inside the main loop: 0x" + Long.toHexString(elr));
            assertEquals(TimerLines.CTL_ENABLE | TimerLines.CTL_ISTATUS, m.cpu.x(26),
                    "CNTV_CTL_EL0 in the handler: enabled, condition met (ISTATUS), unmasked");
            assertEquals(0, m.cpu.x(27), "CNTV_CTL_EL0 after disabling: no ISTATUS");
            assertEquals(0, m.cpu.pstate() & PSTATE_IL, "every ERET was legal");
            assertEquals(2 + m.cpu.x(20) + 1, m.cpu.timerRegisterWrites(), "CVAL, CTL, a CVAL per IRQ, CTL off");
            if (mode == 0) {
                assertTrue(m.cpu.waitsForInterrupt() > 0);
            }
            if (mode != 1) {
                assertTrue(m.cpu.x(28) > 0, "WFIs completed");
                // Sleeping, not spinning: a handful of polls per tick (a spinning WFI would poll thousands of times).
                assertTrue(m.polls < 20 * 20, m.polls + " polls for 20 ticks");
            } else {
                assertEquals(0, m.cpu.waitsForInterrupt());
            }
        }
    }

    @ParameterizedTest(name = "unmasked by {1}")
    @CsvSource({"0, MSR DAIFClr, unmasked", "1, MSR DAIF, after_msr", "2, ERET, eret_target"})
    void aPendingMaskedInterruptIsTakenRightAfterTheUnmaskingInstruction(int mode, String how, String label)
            throws Exception {
        try (InterruptTestMachine m = new InterruptTestMachine()) {
            GuestProgram p = GuestProgram.build("masked_pending", RAM, tmp);
            m.load(p);
            m.cpu.x(7, mode);
            CpuExit exit = m.cpu.run(LIMIT);
            assertEquals(0, assertInstanceOf(CpuExit.SemihostingExit.class, exit, exit::describe).code());
            assertEquals(1, m.cpu.x(20));
            assertEquals(TimerLines.IRQ_VIRTUAL, m.cpu.x(23));
            assertEquals(p.symbol(label), m.cpu.x(22), "ELR: the first instruction after the unmasking one");
            assertEquals(0, m.cpu.x(21) & PSTATE_I);
            assertEquals(0, m.cpu.pstate() & PSTATE_IL, "the handler's ERET was legal");
            assertTrue(m.cpu.maskedInterruptPolls() >= 1, "the masked, pending IRQ was looked at");
        }
    }

    /**
     * Linux's idle loop after a long masked stretch with an IRQ pending: WFI returns at once, every stop is at it
     * with the IRQ masked. The IRQ is still taken in the loop's unmasked window, within a few WFIs (it used to spin
     * for seconds, each stop pushing the timed look at the mask away: Linux then ran a typed command a minute late).
     */
    @Test
    void anIdleLoopTakesAnInterruptPendingSinceALongMaskedStretch() throws Exception {
        try (InterruptTestMachine m = new InterruptTestMachine()) {
            m.load(GuestProgram.build("masked_idle", RAM, tmp));
            CpuExit exit = m.cpu.run(Duration.ofSeconds(5));
            assertEquals(0, assertInstanceOf(CpuExit.SemihostingExit.class, exit, exit::describe).code());
            assertEquals(1, m.cpu.x(20));
            assertEquals(TimerLines.IRQ_VIRTUAL, m.cpu.x(23));
            assertTrue(m.cpu.x(24) <= 2, m.cpu.x(24) + " WFIs before the IRQ was taken");
            assertTrue(m.cpu.maskedInterruptPolls() > InterruptDelivery.MASKED_PRECISE_POLLS,
                    "the masked stretch outlasted the precise polls: " + m.cpu.maskedInterruptPolls());
        }
    }

    @Test
    void wfiSleepsUntilADeviceDeadlineRaisesItsInterrupt() throws Exception {
        try (InterruptTestMachine m = new InterruptTestMachine()) {
            m.load(GuestProgram.build("device_irq", RAM, tmp));
            m.deviceEventAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            CpuExit exit = m.cpu.run(LIMIT);
            assertEquals(0, assertInstanceOf(CpuExit.SemihostingExit.class, exit, exit::describe).code());
            assertEquals(InterruptTestMachine.DEVICE_IRQ, m.cpu.x(23));
            assertEquals(1, m.cpu.interruptsTaken());
            assertTrue(m.cpu.waitsForInterrupt() >= 1);
            assertTrue(m.polls < 50, m.polls + " polls: slept, not spun");
        }
    }

    @Test
    void wakeFromAnotherThreadEndsAnOpenEndedWfi() throws Exception {
        try (InterruptTestMachine m = new InterruptTestMachine()) {
            m.load(GuestProgram.build("device_irq", RAM, tmp));
            CompletableFuture<CpuExit> run = CompletableFuture.supplyAsync(() -> m.cpu.run(LIMIT));
            await(() -> m.cpu.waitsForInterrupt() >= 1);
            // Nothing is due: only wake() can make the sleeping CPU poll its devices again.
            m.deviceEventAt = System.nanoTime();
            m.cpu.wake();
            CpuExit exit = run.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(0, assertInstanceOf(CpuExit.SemihostingExit.class, exit, exit::describe).code());
            assertEquals(InterruptTestMachine.DEVICE_IRQ, m.cpu.x(23));
        }
    }

    @Test
    void theTimeLimitAndStopRequestsEndAWfiThatNothingWillWake() throws Exception {
        try (InterruptTestMachine m = new InterruptTestMachine()) {
            m.load(GuestProgram.build("device_irq", RAM, tmp));
            CpuExit first = m.cpu.run(Duration.ofMillis(100));
            assertInstanceOf(CpuExit.Timeout.class, first, first::describe);
            assertTrue(m.cpu.waitsForInterrupt() >= 1);
            CompletableFuture<CpuExit> run = CompletableFuture.supplyAsync(() -> m.cpu.run(LIMIT));
            await(() -> m.cpu.waitsForInterrupt() >= 2);
            m.cpu.requestStop();
            CpuExit second = run.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
            assertInstanceOf(CpuExit.Stopped.class, second, second::describe);
            assertEquals(0, m.cpu.interruptsTaken());
        }
    }

    /** Waits (at most {@link #LIMIT}) for a condition another thread makes true. */
    private static void await(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "condition not reached within " + LIMIT);
            Thread.sleep(5);
        }
    }
}
