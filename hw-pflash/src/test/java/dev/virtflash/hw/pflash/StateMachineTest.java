package dev.virtflash.hw.pflash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.MmioHandler;
import dev.virtflash.memory.PostedWrites;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every row of spec §1.4 (write state machine) and §1.5 (reads) on the virt geometry. */
class StateMachineTest extends OnVirtFlash1 {

    private void assertState(WriteState state, int command, String what) {
        assertEquals(state, bank.state(), what);
        assertEquals(command, bank.command(), what + ": QEMU cmd");
        assertEquals(state == WriteState.READ_ARRAY, bank.region().romd(), what + ": romd");
    }

    /**
     * What the bank lets a CPU post ({@code MmioHandler.postedWrites}): in a buffered program's data phase, once the
     * first data cycle opened the window, every data cycle but the last; nothing in any other state.
     */
    @Test
    void aBufferedProgramLetsAllButItsLastDataCyclePostedOnceItsWindowIsOpen() {
        MmioHandler handler = bank.region().handler();
        assertNull(handler.postedWrites(), "read-array");
        bus.w32(0x2000, 0xE8);
        assertNull(handler.postedWrites(), "0xE8: the count comes next");
        bus.w32(0x2000, 0x0003); // four data cycles
        assertNull(handler.postedWrites(), "no window before the first data cycle");
        bus.w32(0x2004, 0x11111111L);
        assertEquals(new PostedWrites(0x2000, 4096, 2), handler.postedWrites(),
                "the window; three cycles to come, the last of them not postable");
        bus.w32(0x2008, 0x22222222L);
        assertEquals(new PostedWrites(0x2000, 4096, 1), handler.postedWrites());
        bus.w32(0x200C, 0x33333333L);
        assertNull(handler.postedWrites(), "only the last data cycle is left");
        assertEquals(WriteState.BUFFER_DATA, bank.state());
        bus.w32(0x2010, 0x44444444L);
        assertNull(handler.postedWrites(), "the confirm comes next");
        bus.w32(0x2000, 0xD0);
        assertNull(handler.postedWrites(), "status mode");
        bus.w32(0, 0xFF);
        assertEquals(0x33333333L, bus.r32(0x200C));
    }

    @Test
    void aReadOnlyBankLetsNothingBePosted() throws Exception {
        try (PflashCfi01 readOnly = Banks.build(PflashCfi01.virtBank("ro").readOnly(true))) {
            Bus b = new Bus(readOnly);
            b.w32(0x2000, 0xE8);
            b.w32(0x2000, 0x0003);
            b.w32(0x2004, 0x11111111L);
            assertEquals(WriteState.BUFFER_DATA, readOnly.state());
            assertNull(readOnly.region().handler().postedWrites(), "its data cycles set SR.4: each is looked at");
        }
    }

    static Stream<Arguments> wcycle0() {
        // value, state after, QEMU cmd after, status after (from 0x80)
        return Stream.of(
                Arguments.of(0x00, WriteState.READ_ARRAY, 0x00, 0x80),
                Arguments.of(0xF0, WriteState.READ_ARRAY, 0x00, 0x80),
                Arguments.of(0xFF, WriteState.READ_ARRAY, 0x00, 0x80),
                Arguments.of(0x10, WriteState.PROGRAM_SETUP, 0x10, 0x80),
                Arguments.of(0x40, WriteState.PROGRAM_SETUP, 0x40, 0x80),
                Arguments.of(0x20, WriteState.ERASE_SETUP, 0x20, 0x80),
                Arguments.of(0x50, WriteState.READ_ARRAY, 0x00, 0x00),
                Arguments.of(0x60, WriteState.LOCK_SETUP, 0x60, 0x80),
                Arguments.of(0x70, WriteState.READ_STATUS, 0x70, 0x80),
                Arguments.of(0x90, WriteState.READ_ID, 0x90, 0x80),
                Arguments.of(0x98, WriteState.CFI_QUERY, 0x98, 0x80),
                Arguments.of(0xE8, WriteState.BUFFER_COUNT, 0xE8, 0x80));
    }

    @ParameterizedTest(name = "wcycle 0, 0x{0}")
    @MethodSource("wcycle0")
    void wcycle0Commands(int value, WriteState state, int command, int status) {
        bus.w32(0x100, value);
        assertState(state, command, "0x" + Integer.toHexString(value));
        assertEquals(status, bank.status());
        assertEquals(value == 0x70 || value == 0x90 || state == WriteState.READ_ARRAY ? 0 : 1, state.wcycle(),
                "QEMU's wcycle");
    }

    static IntStream unknownAtWcycle0() {
        return IntStream.range(0, 256).filter(v -> !(v == 0x00 || v == 0xF0 || v == 0xFF || v == 0x10 || v == 0x40
                || v == 0x20 || v == 0x50 || v == 0x60 || v == 0x70 || v == 0x90 || v == 0x98 || v == 0xE8));
    }

    @ParameterizedTest(name = "wcycle 0, unknown 0x{0}")
    @MethodSource("unknownAtWcycle0")
    void everyOtherByteAtWcycle0IsAnErrorToReadArray(int value) {
        bus.w32(0, 0x70);
        bus.w32(0x100, 0xABCD0000L | value);
        assertState(WriteState.READ_ARRAY, 0x00, "0x" + Integer.toHexString(value));
        assertEquals(0x80, bank.status(), "no status bit");
        assertTrue(bank.region().memory().isZero(0, Banks.BLOCK), "nothing changed");
    }

    @Test
    void wcycle1Program() {
        for (int setup : new int[] {0x10, 0x40}) {
            bus.w32(0, setup);
            bus.w32(0x200, 0x000000FFL);           // any value, even 0xFF, is data
            assertState(WriteState.READ_STATUS, setup, "after program data");
            assertEquals(0x00800080L, bus.r32(0));
            bus.w32(0, 0xFF);
            assertEquals(0xFF, bus.r32(0x200));
            bus.w32(0x200, 0x50);
        }
    }

    @Test
    void wcycle1Erase() {
        bus.w32(0, 0x20);
        bus.w32(0, 0xD0);
        assertState(WriteState.READ_STATUS, 0x20, "erase confirm");
        bus.w32(0, 0x20);
        bus.w32(0, 0xFF);
        assertState(WriteState.READ_ARRAY, 0x00, "erase then read-array");
        for (int other : new int[] {0x00, 0x70, 0x20, 0x50, 0xB0, 0x01}) {
            bus.w32(0, 0x20);
            bus.w32(0, other);
            assertState(WriteState.READ_ARRAY, 0x00, "erase then 0x" + Integer.toHexString(other));
        }
        assertEquals(0x80, bank.status(), "ERR sets no status bit");
    }

    @Test
    void wcycle1WriteToBufferTakesTheCount() {
        bus.w32(0, 0xE8);
        assertEquals(0x80, bank.status());
        bus.w32(0, 0xABCD0003L);
        assertState(WriteState.BUFFER_DATA, 0xE8, "count");
        for (int i = 0; i < 4; i++) {
            assertEquals(WriteState.BUFFER_DATA, bank.state());
            bus.w32(0x1000 + 4 * i, 0x70);         // data, not a command
        }
        assertState(WriteState.BUFFER_CONFIRM, 0xE8, "count 3 = 4 cycles (low 16 bits only)");
    }

    @Test
    void wcycle1Lock() {
        for (int second : new int[] {0xD0, 0x01}) {
            bus.w32(0, 0x50);
            bus.w32(0, 0x60);
            bus.w32(0, second);
            assertState(WriteState.READ_STATUS, 0x60, "lock 0x" + Integer.toHexString(second));
            assertEquals(0x80, bank.status());
        }
        for (int second : new int[] {0xFF, 0x2F, 0x03, 0x00, 0x70, 0x98}) {
            bus.w32(0, 0x60);
            bus.w32(0, second);
            assertState(WriteState.READ_ARRAY, 0x00, "lock then 0x" + Integer.toHexString(second));
        }
    }

    @Test
    void wcycle1CfiQueryLeavesOnlyOnReadArray() {
        bus.w32(0, 0x98);
        for (int v = 0; v < 256; v++) {
            if (v != 0xFF) {
                bus.w32(0, v);
                assertState(WriteState.CFI_QUERY, 0x98, "0x" + Integer.toHexString(v) + " ignored");
            }
        }
        assertEquals(0x80, bank.status());
        bus.w32(0, 0xFF);
        assertState(WriteState.READ_ARRAY, 0x00, "0xFF leaves");
    }

    @Test
    void statusReadsAtEveryWidth() {
        bus.w32(0, 0x70);
        assertEquals(0x00800080L, bus.r32(0));
        assertEquals(0x0080, bus.r16(0));
        assertEquals(0x80, bus.r8(3));
        assertEquals(0x00800080_00800080L, bus.r64(8));
        for (int cmd : new int[] {0x10, 0x20, 0x40, 0x60, 0xE8}) {
            bus.w32(0, 0xFF);
            bus.w32(0, cmd);
            assertEquals(0x00800080L, bus.r32(0x1234), "status in the 0x" + Integer.toHexString(cmd) + " modes");
        }
    }

    @Test
    void idReadsDecodeOnlyTheLowIndexByte() {
        bus.w32(0, 0x90);
        assertEquals(0x00890089L, bus.r32(0x400), "index 0x100 & 0xFF = 0: manufacturer again");
        assertEquals(0x00180018L, bus.r32(0x404));
        assertEquals(0, bus.r32(0x14), "index 5, configuration, reads 0");
        assertEquals(0, bus.r32(0x200), "index 0x80+, protection registers, read 0");
    }

    @Test
    void cfiReadsPastTheTableAreZeroAndDoNotRepeat() {
        bus.w32(0, 0x98);
        assertEquals(0x00010001L, bus.r32(0x3F * 4), "number of protection fields");
        assertEquals(0, bus.r32(0x52 * 4));
        assertEquals(0, bus.r32(0x440), "no repetition every 256 indices outside legacy mode");
        for (int i = 0; i < CfiQueryTable.LENGTH; i++) {
            long v = bank.cfiTable().get(i);
            assertEquals(v | v << 16, bus.r32(4L * i), "index 0x" + Integer.toHexString(i));
        }
    }

    @Test
    void readArrayThroughTheHandlerReadsStorage() {
        bus.w32(0x10, 0x40);
        bus.w32(0x10, 0x11223344L);
        bus.w32(0, 0xFF);
        assertEquals(0x11223344L, bank.region().handler().read(0x10, 4), "handler in read-array mode reads data");
        assertEquals(0x3344, bank.region().handler().read(0x10, 2));
    }
}
