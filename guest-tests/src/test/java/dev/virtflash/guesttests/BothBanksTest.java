package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both banks at once, seen from the host: the cross-bank payload commands flash0 and flash1 in one bus script (erase
 * setups and confirms crossed, word programs interleaved), and each image file ends up with exactly its own bank's
 * writes, on every board.
 */
@ExtendWith(GuestSuite.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BothBanksTest {

    private static final int BLOCK = 256 << 10;
    /** cross-bank.c: BANK0_SCRATCH is flash0's last block, its word program at +0x100; flash1's at block 5 + 0x100. */
    private static final long BANK0_SCRATCH = FlashImages.BANK_SIZE - BLOCK;
    private static final long BANK1_BLOCK5 = 5L * BLOCK;

    private final GuestRuns runs;

    BothBanksTest(GuestRuns runs) {
        this.runs = runs;
    }

    Stream<PayloadRunner> runners() {
        return runs.runners().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runners")
    void eachImageHoldsItsOwnBanksWrites(PayloadRunner runner) throws Exception {
        GuestRuns.BlankRun run = runs.blankRun(runner, "cross-bank");
        assertEquals(0, run.result().exitCode(), run.result()::describe);

        int[] scratch = FlashImages.readWords(run.flash0(), BANK0_SCRATCH, BLOCK / 4);
        int[] expected0 = new int[BLOCK / 4];
        Arrays.fill(expected0, -1);
        expected0[0x100 / 4] = 0xb0b0b0b0;
        assertArrayEquals(expected0, scratch, "flash0's scratch block: erased, one word programmed");
        byte[] payload = Payloads.load("cross-bank");
        assertArrayEquals(payload, FlashImages.readBytes(run.flash0(), 0, payload.length),
                "flash0's payload is intact");

        int[] block5 = FlashImages.readWords(run.flash1(), BANK1_BLOCK5, BLOCK / 4);
        int[] expected1 = new int[BLOCK / 4];
        Arrays.fill(expected1, -1);
        expected1[0x100 / 4] = 0xb1b1b1b1;
        assertArrayEquals(expected1, block5, "flash1's block 5: erased, one word programmed");
        assertArrayEquals(new int[BLOCK / 4], FlashImages.readWords(run.flash1(), BANK1_BLOCK5 + BLOCK, BLOCK / 4),
                "flash1's block 6 untouched (blank)");
    }
}
