package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.virtflash.testkit.FlashFootprint;
import dev.virtflash.testkit.TestMachine;

/**
 * The zero-touch oracle for firmware tests: each bank's pages present in {@code /proc/self/pagemap} are exactly the
 * pages something wrote. A firmware that scans its flash must not make the host touch a page that holds no data, on a
 * kernel with a shared zero page (where the read would map it) as on one without (where it would allocate it).
 */
public final class Footprints {

    private Footprints() {
    }

    /** Asserts the oracle for both banks of {@code m}, which must be quiet (at a prompt) and not yet released. */
    public static FlashFootprint[] assertOnlyDataTouched(TestMachine m, String when) {
        FlashFootprint[] banks = new FlashFootprint[2];
        for (int unit = 0; unit < 2; unit++) {
            FlashFootprint f = m.flashFootprint(unit);
            assertEquals(f.dataBytes(), f.presentBytes(), when + ": flash" + unit + " pages touched vs pages holding data "
                    + f);
            banks[unit] = f;
        }
        return banks;
    }
}
