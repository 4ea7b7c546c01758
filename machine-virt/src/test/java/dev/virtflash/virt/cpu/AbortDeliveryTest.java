package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** FAR of a data abort: the faulting instruction decoded with the registers it faulted with. */
class AbortDeliveryTest {

    static final long PAGE = 1024;
    static final long PC = 0x4000_0000L;

    /** Registers x0..x30 (SP for base 31) and one instruction at {@link #PC}. */
    static FaultingInstruction.Cpu cpu(int instruction, Map<Integer, Long> regs) {
        return new FaultingInstruction.Cpu() {
            @Override
            public long base(int n) {
                return regs.getOrDefault(n, 0L);
            }

            @Override
            public long index(int n) {
                return n == 31 ? 0 : regs.getOrDefault(n, 0L);
            }

            @Override
            public long instruction(long pc) {
                return pc == PC ? instruction & 0xFFFF_FFFFL : -1;
            }
        };
    }

    static long far(int instruction, Map<Integer, Long> regs, long page) {
        return AbortDelivery.dataAddress(FaultingInstruction.decode(cpu(instruction, regs), PC), page, PAGE);
    }

    @Test
    void loadInsideThePageGivesItsOwnAddress() {
        // ldr x0, [x1, #8]
        assertEquals(0x3000_2018L, far(0xF9400420, Map.of(1, 0x3000_2010L), 0x3000_2000L));
    }

    @Test
    void pairCrossingIntoTheFaultingPageGivesThePageStart() {
        // stp x2, x3, [x1] with x1 = 8 bytes before the page: the second register lands in the faulting page
        assertEquals(0x3000_2400L, far(0xA9000C22, Map.of(1, 0x3000_23F8L), 0x3000_2400L));
    }

    @Test
    void dcZvaFaultsAtItsAlignedBlock() {
        // dc zva, x5
        FaultingInstruction.DataAccess a = FaultingInstruction.decode(cpu(0xD50B7425, Map.of(5, 0x3000_2C7FL)), PC);
        assertEquals(new FaultingInstruction.DataAccess(0x3000_2C40L, 64, true), a);
    }

    @Test
    void unknownInstructionGivesThePage() {
        assertNull(FaultingInstruction.decode(cpu(0xD503201F /* nop */, Map.of()), PC));
        assertEquals(0x3000_2000L, far(0xD503201F, Map.of(), 0x3000_2000L));
    }
}
