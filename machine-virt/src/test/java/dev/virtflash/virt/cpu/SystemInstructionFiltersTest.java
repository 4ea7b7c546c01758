package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.CallbackReference;
import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The native MSR and SYS filters of {@link SystemInstructionHooks}, called directly with a {@code uc_arm64_cp_reg} of
 * our own: which instructions reach the Java hook behind them, and what they answer themselves.
 */
class SystemInstructionFiltersTest {

    /** The operands that reached the Java hook, in order. */
    private final List<Long> java = new ArrayList<>();
    private final UnicornLibrary.HookSys hook = (uc, reg, cp, userData) -> {
        java.add(new Pointer(cp).getLong(24));
        return 1;
    };
    private final Memory cp = new Memory(32);

    @BeforeEach
    void onX86() {
        assumeTrue(NativeStub.supported(), "the filters are x86-64 code; elsewhere the Java hooks see everything");
    }

    @Test
    void msrFilterPassesTheMmuAndTimerRegistersOnly() {
        try (NativeStub msr = NativeStub.of(SystemInstructionHooks.MSR_FILTER_X86_64)) {
            msr.state().setLong(0, Pointer.nativeValue(CallbackReference.getFunctionPointer(hook)));
            for (int crn = 0; crn < 16; crn++) {
                assertEquals(crn == 1 || crn == 2 || crn == 14 ? 1 : 0, call(msr, crn, 0, 0, 0, crn), "CRn " + crn);
            }
            assertEquals(List.of(1L, 2L, 14L), java);
        }
    }

    @Test
    void sysFilterAnswersDataCacheMaintenanceAndTheRestOfADcZvaRunThroughAPage() {
        try (NativeStub sys = NativeStub.of(SystemInstructionHooks.SYS_FILTER_X86_64)) {
            Pointer state = sys.state();
            state.setLong(0, Pointer.nativeValue(CallbackReference.getFunctionPointer(hook)));
            state.setLong(24, 1); // no run
            state.setLong(32, 1); // no run
            assertEquals(0, call(sys, 7, 10, 3, 1, 0x1234)); // DC CVAU
            assertEquals(0, call(sys, 7, 14, 3, 1, 0x1234)); // DC CIVAC
            assertEquals(1, call(sys, 7, 5, 3, 1, 0x1240)); // IC IVAU
            assertEquals(1, call(sys, 7, 5, 0, 0, 0)); // IC IALLU
            assertEquals(1, call(sys, 7, 1, 0, 0, 0)); // IC IALLUIS
            assertEquals(1, call(sys, 8, 7, 0, 1, 0x55)); // TLBI VAE1
            assertEquals(List.of(0x1240L, 0L, 0L, 0x55L), java);
            assertEquals(2, state.getLong(8), "answered natively");
            java.clear();

            long page = 0x8000_0000L;
            runThroughAPage(sys, 4, 24, page, 0x7c0); // DC ZVA
            assertEquals(1, call(sys, 7, 4, 3, 1, page + 0x1080), "a block skipped");
            state.setLong(24, 1);
            assertEquals(1, call(sys, 7, 4, 3, 1, page + 0x10c0), "no run");
            assertEquals(List.of(page + 0x7c5, page + 0x1000, page + 0x1080, page + 0x10c0), java);
            assertEquals(2 + 32, state.getLong(8), "answered natively");
        }
    }

    @Test
    void sysFilterAnswersTheRestOfAnIcIvauRunThroughAPage() {
        try (NativeStub sys = NativeStub.of(SystemInstructionHooks.SYS_FILTER_X86_64)) {
            Pointer state = sys.state();
            state.setLong(0, Pointer.nativeValue(CallbackReference.getFunctionPointer(hook)));
            state.setLong(24, 1);
            state.setLong(32, 1);
            long page = 0x4010_0000L;
            runThroughAPage(sys, 5, 32, page, 0x40); // IC IVAU
            assertEquals(1, call(sys, 7, 5, 0, 0, page + 0x1040), "IC IALLU is never part of a run");
            assertEquals(1, call(sys, 7, 4, 3, 1, page + 0x1040), "nor is a DC ZVA: runs are kept apart");
            assertEquals(1, call(sys, 7, 5, 3, 1, page + 0x1080), "a line skipped");
            state.setLong(32, 1);
            assertEquals(1, call(sys, 7, 5, 3, 1, page + 0x10c0), "no run");
            assertEquals(List.of(page + 0x45, page + 0x1000, page + 0x1040, page + 0x1040, page + 0x1080,
                    page + 0x10c0), java);
            assertEquals(62, state.getLong(8), "answered natively: the page's other 62 lines");
        }
    }

    /**
     * A run of the operation with CRm {@code crm} (op1 3, op2 1) through {@code page}, from offset {@code first}: the
     * first goes to Java, which starts the run ({@code state[runOffset]}); the stub answers the rest of the page, 64
     * bytes after 64 bytes, and leaves the next page's first to Java, which starts a run there.
     */
    private void runThroughAPage(NativeStub sys, int crm, long runOffset, long page, long first) {
        Pointer state = sys.state();
        assertEquals(1, call(sys, 7, crm, 3, 1, page + first + 5)); // the first goes to Java ...
        state.setLong(runOffset, page + first); // ... which drops the page's code and starts the run there
        for (long at = page + first + 64; at < page + 0x1000; at += 64) {
            assertEquals(0, call(sys, 7, crm, 3, 1, at + 3), "at 0x" + Long.toHexString(at));
        }
        assertEquals(page + 0xfc0, state.getLong(runOffset));
        assertEquals(1, call(sys, 7, crm, 3, 1, page + 0x1000), "the next page's first");
        state.setLong(runOffset, page + 0x1000);
    }

    private int call(NativeStub stub, int crn, int crm, int op1, int op2, long value) {
        cp.clear();
        cp.setInt(0, crn);
        cp.setInt(4, crm);
        cp.setInt(8, 1);
        cp.setInt(12, op1);
        cp.setInt(16, op2);
        cp.setLong(24, value);
        return Function.getFunction(new Pointer(stub.code())).invokeInt(new Object[] {0L, 0, cp, stub.state()});
    }
}
