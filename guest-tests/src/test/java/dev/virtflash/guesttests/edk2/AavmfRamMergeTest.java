package dev.virtflash.guesttests.edk2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.SharedPages;
import dev.virtflash.testkit.FlashImage;
import dev.virtflash.testkit.TestBoard;
import dev.virtflash.testkit.TestMachine;
import dev.virtflash.testkit.VirtBoardExtension;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * RAM merging ({@code -M virt,mem-merge=on}, the default) on a real client: two AAVMF boards idling at the UEFI Shell
 * merge their RAM into one pool. The second board adds little to the pool and owns little RAM of its own, and both
 * go on working afterwards: a variable set and read back, and a reset that boots the firmware again over the merged
 * pages.
 */
@ExtendWith(VirtBoardExtension.class)
class AavmfRamMergeTest {

    private static final long MIB = 1 << 20;
    private static final Duration MERGE_WAIT = Duration.ofSeconds(60);

    @BeforeAll
    static void aavmfIsInstalled() {
        Aavmf.requireInstalled();
    }

    @Test
    void twoBoardsAtTheShellKeepOneCopyOfTheirRamAndGoOnWorking(TestBoard board) throws Exception {
        try (SharedPages pages = new SharedPages();
             TestMachine a = Aavmf.machine(board, board.image("vars-a.img", FlashImage.raw())).name("aavmf-a")
                     .sharedPages(pages).start()) {
            Aavmf.toShell(a);
            a.awaitRamMerge(MERGE_WAIT);
            long poolOne = pages.bytes();
            assertTrue(poolOne >= 8 * MIB, "AAVMF writes well over 8 MiB of RAM at the Shell: " + poolOne);
            assertTrue(a.ramOwnBytes() <= poolOne / 4, "after its merge a board owns little RAM: "
                    + a.ramOwnBytes() + " bytes, the pool " + poolOne);

            try (TestMachine b = Aavmf.machine(board, board.image("vars-b.img", FlashImage.raw())).name("aavmf-b")
                    .sharedPages(pages).start()) {
                Aavmf.toShell(b);
                b.awaitRamMerge(MERGE_WAIT);
                long added = pages.bytes() - poolOne;
                assertTrue(added <= poolOne / 10, "the second board's RAM is mostly the first one's pages: it added "
                        + added + " bytes to a pool of " + poolOne);
                assertTrue(b.ramOwnBytes() <= poolOne / 4, "b owns " + b.ramOwnBytes() + " bytes");

                for (TestMachine m : new TestMachine[] {a, b}) {
                    assertEquals("", Aavmf.run(m, AavmfVariableStoreTest.SET), m.name());
                    assertEquals(AavmfVariableStoreTest.HELLO, Aavmf.run(m, AavmfVariableStoreTest.GET), m.name());
                }
                b.type("reset\r");
                Aavmf.toShell(b);
                assertEquals(1, b.resets());
                assertEquals(AavmfVariableStoreTest.HELLO, Aavmf.run(b, AavmfVariableStoreTest.GET),
                        "the variable after a reset that booted over merged RAM");
                assertEquals(AavmfVariableStoreTest.HELLO, Aavmf.run(a, AavmfVariableStoreTest.GET),
                        "a is untouched by b's reset");
            }
        }
    }
}
