package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.virtflash.testkit.FlashImage;
import dev.virtflash.testkit.TestBoard;
import dev.virtflash.testkit.TestMachine;
import dev.virtflash.testkit.VirtBoardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VirtBoardExtension.class)
class ReadmeExampleTest {

    @Test
    void defaultPayloadErasesAndProgramsFlash1(TestBoard board) throws Exception {
        byte[] old = {0x55, 0x55, 0x55, 0x55};
        TestMachine m = board.machine().payload("default")              // a built-in payload in flash0
                .flash(1, FlashImage.qcow2().with(0x3fffc, old))         // flash1 from a template: sparse qcow2
                .start();
        m.await("erase 256 KiB at 0x04000000");                           // console text, 30 s timeout
        m.await("PASS");
        assertEquals(0, m.awaitExit().suggestedExitCode());               // semihosting exit code
        assertArrayEquals(new byte[] {1, 0, (byte) 0xfa, (byte) 0xde}, m.readFlash(1, 0, 4));  // programmed
        assertArrayEquals(new byte[] {-1, -1, -1, -1}, m.readFlash(1, 0x3fffc, 4));             // erased
    }
}
