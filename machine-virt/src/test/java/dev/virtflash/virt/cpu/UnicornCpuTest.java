package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.GuestAddress;
import dev.virtflash.memory.MemoryAccessException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CPU binding on its own: start state, semihosting, PSCI, access faults, time limits and stops. */
class UnicornCpuTest {

    private static final long RAM = TestMachine.RAM_BASE;
    private static final long PSCI_SYSTEM_OFF = 0x8400_0008L;
    private static final long PSCI_SYSTEM_RESET = 0x8400_0009L;

    @TempDir
    Path tmp;

    @Test
    void startsAtZeroInEl1OnACortexA57() {
        try (TestMachine m = new TestMachine()) {
            assertEquals(new GuestAddress(UnicornCpu.RESET_PC), m.cpu.pc());
            assertEquals(1, m.cpu.exceptionLevel(), "Unicorn resets the A57 to EL1");
            assertEquals(0x3c5, m.cpu.initialPstate() & 0x3ff, "EL1h with D, A, I, F masked");
            assertEquals(0xd07, (m.cpu.midr() >>> 4) & 0xfff, "MIDR part number of a Cortex-A57");
            assertEquals(0x41, m.cpu.midr() >>> 24, "implementer Arm");
        }
    }

    @ParameterizedTest(name = "operation 0x{0}, reason 0x{1}, subcode {2} -> exit code {3}")
    @CsvSource({
        "18, 20026, 0, 0",
        "18, 20026, 3, 3",
        "20, 20026, 3, 3",
        "18, 20023, 0, 1",   // ADP_Stopped_RunTimeErrorUnknown: QEMU exits with 1
    })
    void semihostingExitFollowsQemu(String op, String reason, long subcode, int code) throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.loadRam(GuestProgram.build("exit", RAM, tmp));
            m.cpu.x(4, Long.parseLong(op, 16));
            m.cpu.x(3, Long.parseLong(reason, 16));
            m.cpu.x(2, subcode);
            CpuExit exit = m.cpu.run();
            CpuExit.SemihostingExit se = assertInstanceOf(CpuExit.SemihostingExit.class, exit);
            assertEquals(code, se.code());
            assertEquals(Long.parseLong(reason, 16), se.reason());
            assertEquals(new GuestAddress(RAM + 0x18), m.cpu.pc(), "PC moves past the HLT");
        }
    }

    @Test
    void semihostingConsoleOutputReachesTheSink() throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.loadRam(GuestProgram.build("console", RAM, tmp));
            CpuExit exit = m.cpu.run();
            assertEquals(0, assertInstanceOf(CpuExit.SemihostingExit.class, exit).code());
            assertEquals("hello, semihosting!\n", m.console());
        }
    }

    @Test
    void unsupportedSemihostingOperationEndsTheRunWithAReport() throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.loadRam(GuestProgram.build("exit", RAM, tmp));
            m.cpu.x(4, 0x01); // SYS_OPEN
            CpuExit exit = m.cpu.run();
            CpuExit.GuestException ge = assertInstanceOf(CpuExit.GuestException.class, exit);
            assertTrue(ge.detail().contains("unsupported semihosting operation 0x1"), ge.describe());
            assertEquals(0xd45e0000L, ge.instruction());
        }
    }

    @ParameterizedTest(name = "function 0x{0} through {1}")
    @CsvSource({"84000008, hvc", "84000009, hvc", "84000008, smc", "84000009, smc"})
    void psciAnswersAndEndsTheRun(String function, String conduit) throws Exception {
        try (TestMachine m = new TestMachine()) {
            GuestProgram p = GuestProgram.build("psci", RAM, tmp);
            m.loadRam(p);
            m.cpu.x(5, Long.parseLong(function, 16));
            m.cpu.x(6, conduit.equals("smc") ? 1 : 0);
            CpuExit exit = m.cpu.run();
            long callPc = p.symbol("call") + (conduit.equals("smc") ? 12 : 4);
            if (Long.parseLong(function, 16) == PSCI_SYSTEM_OFF) {
                assertEquals(new GuestAddress(callPc), assertInstanceOf(CpuExit.PowerOff.class, exit).pc());
            } else {
                assertEquals(new GuestAddress(callPc), assertInstanceOf(CpuExit.Reset.class, exit).pc());
            }
            assertEquals(0x10001, m.cpu.x(19), "PSCI_VERSION 1.1");
            assertEquals(0, m.cpu.x(20), "SYSTEM_OFF is supported");
            assertEquals(-1, m.cpu.x(21), "CPU_ON is not");
            assertEquals(-1, m.cpu.x(22), "unknown functions answer NOT_SUPPORTED");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"READ, 0, bad_load, 4", "WRITE, 1, bad_store, 8", "FETCH, 2, bad_branch, 4"})
    void accessToNothingEndsTheRunWithAddressPcAndKind(MemoryAccessException.Kind kind, int mode, String label,
                                                      int size) throws Exception {
        try (TestMachine m = new TestMachine()) {
            GuestProgram p = GuestProgram.build("unmapped", RAM, tmp);
            m.loadRam(p);
            long nowhere = 0x1000_0000L + 8 * mode;
            m.cpu.x(0, mode);
            m.cpu.x(9, nowhere);
            CpuExit exit = m.cpu.run();
            CpuExit.AccessFault fault = assertInstanceOf(CpuExit.AccessFault.class, exit);
            assertEquals(kind, fault.kind());
            assertEquals(new GuestAddress(nowhere), fault.address());
            assertEquals(size, fault.size());
            long expectedPc = kind == MemoryAccessException.Kind.FETCH ? nowhere : p.symbol(label);
            assertEquals(new GuestAddress(expectedPc), fault.pc(), fault.describe());
            assertTrue(fault.describe().contains("no memory or device"), fault.describe());
        }
    }

    @Test
    void timeLimitEndsAnEndlessLoopAndTheRunCanResume() throws Exception {
        try (TestMachine m = new TestMachine()) {
            GuestProgram p = GuestProgram.build("spin", RAM, tmp);
            m.loadRam(p);
            CpuExit first = m.cpu.run(Duration.ofMillis(150));
            CpuExit.Timeout t = assertInstanceOf(CpuExit.Timeout.class, first);
            long pc = t.pc().value();
            assertTrue(pc >= RAM && pc < RAM + 0x20, "stopped inside the loop: " + t.describe());
            assertEquals(m.cpu.x(3), m.cpu.x(4), "stopped between blocks: the loop's invariant holds");
            long counted = m.cpu.x(3);
            assertTrue(counted > 0);
            assertInstanceOf(CpuExit.Timeout.class, m.cpu.run(Duration.ofMillis(50)));
            assertTrue(m.cpu.x(3) > counted, "the second run continued counting");
            assertEquals(m.cpu.x(3), m.cpu.x(4));
        }
    }

    @Test
    void waitForInterruptContinuesAsANoOpAndTheTimeLimitStillEndsTheRun() throws Exception {
        try (TestMachine m = new TestMachine()) {
            GuestProgram p = GuestProgram.build("wfi", RAM, tmp);
            m.loadRam(p);
            CpuExit exit = m.cpu.run(Duration.ofMillis(100));
            assertInstanceOf(CpuExit.Timeout.class, exit, exit::describe);
            assertEquals(2, m.cpu.x(3), "execution went on after the WFI");
        }
    }

    /** Hundreds of stops from another thread, each resumed: no instruction is skipped or repeated. */
    @Test
    void stopsFromAnotherThreadAreExact() throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.loadRam(GuestProgram.build("spin", RAM, tmp));
            Thread stopper = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    m.cpu.requestStop();
                    Thread.onSpinWait();
                }
            });
            stopper.start();
            int stops = 0;
            try {
                for (int i = 0; i < 300; i++) {
                    CpuExit exit = m.cpu.run(Duration.ofSeconds(20));
                    assertInstanceOf(CpuExit.Stopped.class, exit, exit::describe);
                    stops++;
                    assertEquals(m.cpu.x(3), m.cpu.x(4), "after stop " + stops);
                }
            } finally {
                stopper.interrupt();
                stopper.join();
            }
            assertTrue(m.cpu.x(3) > 0);
        }
    }
}
