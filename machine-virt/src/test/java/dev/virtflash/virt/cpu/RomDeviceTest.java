package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.GuestAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A ROM device (the test's {@link QueryFlash}) seen by guest code: array mode, command mode, code in the device. */
class RomDeviceTest {

    private static final long RAM = TestMachine.RAM_BASE;
    private static final long ARRAY_WORD = 0xa0a1a2a3L;
    private static final long ARRAY_WORD_40 = 0xb0b1b2b3L;
    /** {@code mov x0, #2}. */
    private static final int MOV_X0_2 = 0xd2800040;

    @TempDir
    Path tmp;

    @Test
    void arrayReadsAreNativeCommandReadsGoToTheHandlerAndArrayComesBack() throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.flash.memory().store(0, 4, ARRAY_WORD);
            m.flash.memory().store(0x40, 4, ARRAY_WORD_40);
            runToPass(m, "romd");
            assertEquals(ARRAY_WORD, m.cpu.x(10), "array mode reads the memory");
            assertEquals(QueryFlash.QUERY_WORD, m.cpu.x(11), "query mode, same block as the command");
            assertEquals(ARRAY_WORD, m.cpu.x(12), "array mode again, same block as the 0xFF");
            assertEquals(QueryFlash.QUERY_WORD, m.cpu.x(13), "query mode in a later block");
            assertEquals(ARRAY_WORD, m.cpu.x(14), "array mode in a later block");
            assertEquals(2, m.flash.reads(), "only the two query-mode reads reached the handler");
            assertEquals(List.of(0x98L, 0xffL, 0x98L, 0xffL),
                    m.flash.writes().stream().map(QueryFlash.Write::value).toList(), "each write arrived once");
            assertTrue(m.flash.region().romd());
            // 0x98 remaps at once; the first 0xFF only schedules the way back, which the second 0x98 (same block)
            // cancels; the last 0xFF's remap happens at the block boundary after it.
            assertEquals(2, m.cpu.romDeviceSwitches(new GuestAddress(TestMachine.FLASH_BASE)),
                    "one switch to command mode and one back");
        }
    }

    /** Switching modes from RAM code, as U-Boot's flash probe does a thousand times, drops no translations. */
    @Test
    void modeSwitchesWithoutCodeInTheArrayDropNothing() throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.loadRam(GuestProgram.build("switchloop", RAM, tmp));
            m.cpu.x(0, TestMachine.FLASH_BASE);
            m.cpu.x(1, 50);
            CpuExit exit = m.cpu.run();
            assertEquals(0, assertInstanceOf(CpuExit.SemihostingExit.class, exit).code(), exit.describe());
            GuestAddress flash = new GuestAddress(TestMachine.FLASH_BASE);
            assertEquals(100, m.cpu.romDeviceSwitches(flash));
            assertEquals(1, m.cpu.romDeviceTranslationDrops(flash), "only the first switch (nothing known yet)");
        }
    }

    /**
     * A data read of a page of the array before any fetch from it must not let code from that page escape the drop:
     * the code translated and chained afterwards commands its own bank, and the chained block is not run from the
     * array; the query word is fetched instead.
     */
    @Test
    void codeFetchedAfterADataReadOfItsPageIsDroppedOnTheNextCommand() throws Exception {
        try (TestMachine m = new TestMachine()) {
            GuestProgram code = GuestProgram.build("selfcmd_chained", TestMachine.FLASH_BASE, tmp);
            m.loadFlash(code);
            m.loadRam(GuestProgram.build("read_then_run", RAM, tmp));
            m.cpu.x(0, TestMachine.FLASH_BASE);
            CpuExit exit = m.cpu.run();
            CpuExit.GuestException ge = assertInstanceOf(CpuExit.GuestException.class, exit, exit::describe);
            assertEquals(new GuestAddress(code.symbol("after")), ge.pc());
            assertEquals(QueryFlash.QUERY_WORD, ge.instruction(), "the query word was fetched as an instruction");
            GuestAddress flash = new GuestAddress(TestMachine.FLASH_BASE);
            assertEquals(2, m.cpu.romDeviceTranslationDrops(flash), "the query round from RAM, then the self-command");
        }
    }

    @Test
    void storesReachTheHandlerWithTheirRealWidthOnce() throws Exception {
        try (TestMachine m = new TestMachine()) {
            runToPass(m, "stores");
            assertEquals(List.of(
                    new QueryFlash.Write(0x100, 8, 0x1122334455667788L),
                    new QueryFlash.Write(0x201, 4, 0x55667788L),
                    new QueryFlash.Write(0x1f0, 8, 0x1122334455667788L),
                    new QueryFlash.Write(0x1f8, 8, 0x99aabbccddeeff00L),
                    new QueryFlash.Write(0x400, 1, 0x88L),
                    new QueryFlash.Write(0x402, 2, 0x7788L)), m.flash.writes());
            assertTrue(m.flash.memory().isZero(0, TestMachine.FLASH_SIZE), "no store landed in the array memory");
        }
    }

    /**
     * Stores a device lets the CPU post arrive all the same, once each and in program order, and before the device's
     * next read (which answers how many writes it has received); stores of another size and stores past what the
     * device allows go through the hook one by one.
     */
    @Test
    void postedStoresArriveInOrderBeforeTheNextReadOfTheDevice() throws Exception {
        try (TestMachine m = new TestMachine()) {
            runToPass(m, "posted");
            List<QueryFlash.Write> expected = new java.util.ArrayList<>();
            expected.add(new QueryFlash.Write(0, 4, QueryFlash.CMD_POST));
            for (int i = 0; i < 300; i++) {
                expected.add(new QueryFlash.Write(QueryFlash.POST_WINDOW + 4L * i, 4, i));
            }
            expected.add(new QueryFlash.Write(QueryFlash.POST_WINDOW + 0xc00, 8, 0x1122334455667788L));
            for (int i = 0; i < 400; i++) {
                expected.add(new QueryFlash.Write(QueryFlash.POST_WINDOW + 4L * i, 4, 0x1000 + i));
            }
            expected.add(new QueryFlash.Write(0, 4, 0xff));
            assertEquals(expected, m.flash.writes());
            assertEquals(301, m.cpu.x(10), "the 300 posted words arrived before the first read");
            assertEquals(702, m.cpu.x(11), "and all 701 before the second");
            assertEquals(NativeStub.supported() ? QueryFlash.POSTABLE - 1 : 0, m.cpu.postedRomWrites(),
                    "every write the device allowed was posted but the 8-byte store (a size the stub leaves to the "
                    + "hook); none where the stub cannot run");
            assertTrue(m.flash.region().romd());
        }
    }

    /** A run that ends with posted stores still held delivers them before it returns. */
    @Test
    void aRunThatEndsDeliversWhatWasPosted() throws Exception {
        try (TestMachine m = new TestMachine()) {
            runToPass(m, "posted_exit");
            assertEquals(11, m.flash.writes().size(), "0xE8 and ten words: " + m.flash.writes());
            assertEquals(new QueryFlash.Write(QueryFlash.POST_WINDOW + 36, 4, 9), m.flash.writes().get(10));
            assertEquals(NativeStub.supported() ? 10 : 0, m.cpu.postedRomWrites());
            assertEquals(11, m.flash.read(0, 4), "the device counted them all");
        }
    }

    @Test
    void codeThatCommandsItsOwnBankWithoutVectorsEndsWithAReport() throws Exception {
        try (TestMachine m = new TestMachine()) {
            GuestProgram p = GuestProgram.build("selfcmd", TestMachine.FLASH_BASE, tmp);
            m.loadFlash(p);
            CpuExit exit = m.cpu.run();
            CpuExit.GuestException ge = assertInstanceOf(CpuExit.GuestException.class, exit, exit::describe);
            assertEquals(new GuestAddress(p.symbol("faulting")), ge.pc());
            assertEquals(QueryFlash.QUERY_WORD, ge.instruction(), "the query word was fetched as an instruction");
            assertTrue(ge.detail().contains("no vector table"), ge.describe());
            assertFalse(m.flash.region().romd(), "the device is still in query mode");
        }
    }

    @Test
    void codeThatCommandsItsOwnBankTakesTheExceptionInsideTheGuest() throws Exception {
        try (TestMachine m = new TestMachine()) {
            GuestProgram code = GuestProgram.build("selfcmd", TestMachine.FLASH_BASE, tmp);
            GuestProgram vectors = GuestProgram.build("vectors", RAM, tmp);
            m.loadFlash(code);
            byte[] v = vectors.image();
            m.ram.write(0, v, 0, v.length);
            m.cpu.x(7, RAM);
            CpuExit exit = m.cpu.run();
            assertEquals(42, assertInstanceOf(CpuExit.SemihostingExit.class, exit, exit::describe).code());
            assertEquals(1, m.cpu.x(20), "the guest's handler ran once");
            assertEquals(0x0200_0000L, m.cpu.x(22), "ESR_EL1: unknown reason, 32-bit instruction");
            assertEquals(code.symbol("faulting"), m.cpu.x(23), "ELR_EL1: the instruction fetched in query mode");
            assertEquals(m.cpu.initialPstate(), m.cpu.x(24), "SPSR_EL1: PSTATE before the exception");
            assertEquals(1, m.cpu.x(21), "after the handler restored array mode, the real instruction ran");
            assertTrue(m.flash.region().romd());
        }
    }

    @Test
    void hostChangesAreExecutedAfterContentChangedAndNotBefore() throws Exception {
        try (TestMachine m = new TestMachine()) {
            GuestProgram p = GuestProgram.build("patched", TestMachine.FLASH_BASE, tmp);
            m.loadFlash(p);
            long value = p.symbol("value");
            assertEquals(1, assertInstanceOf(CpuExit.SemihostingExit.class, m.cpu.run()).code());

            m.flash.memory().store(value, 4, MOV_X0_2);
            m.cpu.pc(0);
            assertEquals(1, assertInstanceOf(CpuExit.SemihostingExit.class, m.cpu.run()).code(),
                    "without contentChanged the translated code is stale (this is why the event exists)");

            m.flash.region().contentChanged(value, 4);
            m.cpu.pc(0);
            assertEquals(2, assertInstanceOf(CpuExit.SemihostingExit.class, m.cpu.run()).code(),
                    "after contentChanged the new instruction runs");
        }
    }

    @Test
    void guestProgramsTheDeviceThenExecutesTheNewCode() throws Exception {
        try (TestMachine m = new TestMachine()) {
            GuestProgram function = GuestProgram.build("patched", TestMachine.FLASH_BASE, tmp);
            m.loadFlash(function);
            m.loadRam(GuestProgram.build("program", RAM, tmp));
            m.cpu.x(0, TestMachine.FLASH_BASE);
            m.cpu.x(1, function.symbol("value"));
            m.cpu.x(2, MOV_X0_2 & 0xffff_ffffL);
            CpuExit exit = m.cpu.run();
            assertEquals(0x12, assertInstanceOf(CpuExit.SemihostingExit.class, exit, exit::describe).code(),
                    "first call returned 1, the call after programming returned 2");
            assertEquals(MOV_X0_2, (int) m.flash.memory().load(function.symbol("value"), 4));
        }
    }

    /** Runs guest program {@code name} from RAM with x0 at the flash's base; it must exit through semihosting with 0. */
    private void runToPass(TestMachine m, String name) throws Exception {
        m.loadRam(GuestProgram.build(name, RAM, tmp));
        m.cpu.x(0, TestMachine.FLASH_BASE);
        CpuExit exit = m.cpu.run();
        assertEquals(0, assertInstanceOf(CpuExit.SemihostingExit.class, exit).code(), exit.describe());
    }
}
