package dev.virtflash.guesttests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

/**
 * The flash-loop workload programs only erased flash: each block visit begins with the block's erase and no two of
 * its programs touch the same word, so real NOR (program ANDs) and QEMU (program overwrites) leave the same data.
 */
class FlashLoopScheduleTest {

    private static final int PERIOD = 24;

    @Test
    void everyVisitErasesFirstAndProgramsEachWordAtMostOnce() {
        for (long visit = 0; visit < 400; visit++) {
            FlashLoopSchedule.Op erase = FlashLoopSchedule.op(visit * PERIOD);
            assertEquals(FlashLoopSchedule.Kind.ERASE, erase.kind(), "visit " + visit);
            BitSet words = new BitSet();
            for (long seq = visit * PERIOD + 1; seq < (visit + 1) * PERIOD; seq++) {
                FlashLoopSchedule.Op op = FlashLoopSchedule.op(seq);
                assertFalse(op.kind() == FlashLoopSchedule.Kind.ERASE, "op " + seq);
                int count = op.kind() == FlashLoopSchedule.Kind.WORD ? 1 : op.count();
                long first = (op.offset() - erase.offset()) / 4;
                assertTrue(first >= 0 && first + count <= FlashLoopSchedule.BLOCK / 4, "op " + seq + " leaves the block");
                for (long w = first; w < first + count; w++) {
                    assertFalse(words.get((int) w), "op " + seq + " programs word " + w + " a second time");
                    words.set((int) w);
                }
            }
        }
    }
}
