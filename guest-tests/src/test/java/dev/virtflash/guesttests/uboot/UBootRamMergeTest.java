package dev.virtflash.guesttests.uboot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.testkit.FlashImage;
import dev.virtflash.testkit.TestBoard;
import dev.virtflash.testkit.TestMachine;
import dev.virtflash.testkit.VirtBoardExtension;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * RAM merging of a guest that never waits for an interrupt: U-Boot polls its console at the prompt, so its board
 * merges at a stop it makes for the purpose (every five seconds at most). U-Boot clears about 18 MiB of RAM for its
 * heap; merging gives those zero pages back, and the prompt answers as before.
 */
@ExtendWith(VirtBoardExtension.class)
class UBootRamMergeTest {

    private static final long MIB = 1 << 20;

    @BeforeAll
    static void uBootIsInstalled() {
        UBoot.requireInstalled();
    }

    @Test
    void aPollingPromptIsMergedToo(TestBoard board) throws Exception {
        try (TestMachine m = UBoot.bios(board).flash(1, FlashImage.raw()).start()) {
            Console c = Console.of(m);
            UBoot.toPrompt(c);
            long before = m.ramOwnBytes();
            assertTrue(before >= 12 * MIB, "U-Boot's RAM at the prompt: " + before);
            m.awaitRamMerge(Duration.ofSeconds(60));
            long after = m.ramOwnBytes();
            assertTrue(after <= before / 4, "owned RAM " + before + " -> " + after + " bytes");
            assertEquals("40000000: d0 0d fe ed                                      ....\n",
                    UBoot.run(c, "md.b 0x40000000 4"), "the device tree's magic, read from merged RAM");
            UBoot.run(c, "mw.l 0x41000000 0x12345678");
            String word = UBoot.run(c, "md.l 0x41000000 1");
            assertTrue(word.startsWith("41000000: 12345678 "), "a store to merged RAM reads back: " + word);
        }
    }
}
