package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Code the guest changes in RAM runs as changed: stores, and DC ZVA (which Unicorn 2.1.1 alone gets wrong). */
class CodeChangeTest {

    private static final long RAM = TestMachine.RAM_BASE;

    @TempDir
    Path tmp;

    @Test
    void rewrittenCodeRunsAsRewritten() throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.loadRam(GuestProgram.build("code_rewrite", RAM, tmp));
            CpuExit exit = m.cpu.run(Duration.ofSeconds(10));
            assertInstanceOf(CpuExit.SemihostingExit.class, exit, exit::describe);
            assertEquals(1, m.cpu.x(19), "first version");
            assertEquals(2, m.cpu.x(20), "after a store changed one instruction");
            assertEquals(3, m.cpu.x(21), "after DC ZVA and stores");
            assertEquals(4 * 2 + 1, m.cpu.systemInstructions(), "DC CVAU + IC IVAU four times, one DC ZVA");
        }
    }

    @Test
    void codeZeroedByDcZvaNoLongerRuns() throws Exception {
        try (TestMachine m = new TestMachine()) {
            GuestProgram p = GuestProgram.build("code_zeroed", RAM, tmp);
            m.loadRam(p);
            CpuExit exit = m.cpu.run(Duration.ofSeconds(10));
            // Without the binding's help, Unicorn runs the old translation and the guest exits with x21 = 1.
            CpuExit.GuestException e = assertInstanceOf(CpuExit.GuestException.class, exit, exit::describe);
            assertEquals(p.symbol("target"), e.pc().value(), "the zeroed block is fetched anew: UDF #0");
            assertEquals(0, e.instruction());
            assertEquals(1, m.cpu.x(19));
            assertEquals(1, m.cpu.x(20));
        }
    }

    /** A run of DC ZVA through two pages: the first block of each page drops the page's code, the rest of it too. */
    @ParameterizedTest(name = "code in page {0}")
    @ValueSource(ints = {1, 2})
    void codeInAPageZeroedBlockAfterBlockNoLongerRuns(int page) throws Exception {
        try (TestMachine m = new TestMachine()) {
            GuestProgram p = GuestProgram.build("code_zeroed_run", RAM, tmp);
            m.loadRam(p);
            m.cpu.x(9, page);
            CpuExit exit = m.cpu.run(Duration.ofSeconds(10));
            CpuExit.GuestException e = assertInstanceOf(CpuExit.GuestException.class, exit, exit::describe);
            assertEquals(p.symbol("target") + (page - 1) * 4096L + 0x800, e.pc().value(), "UDF #0 where the code was");
            assertEquals(0, e.instruction());
            assertEquals(1, m.cpu.x(19));
            assertEquals(1, m.cpu.x(20));
            assertEquals(128, m.cpu.systemInstructions(), "every DC ZVA counted, answered natively or not");
        }
    }
}
