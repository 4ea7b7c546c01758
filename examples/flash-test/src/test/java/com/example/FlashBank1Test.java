package com.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.virtflash.testkit.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VirtBoardExtension.class)
class FlashBank1Test {
    @Test
    void erasesAndProgramsBank1(TestBoard board) throws Exception {
        FlashImage bank1 = FlashImage.raw().with(0x3fffc, new byte[] {0x55, 0x55, 0x55, 0x55});
        TestMachine m = board.machine().payload("default").flash(1, bank1).start();  // CFI erase + program of bank 1
        m.await("PASS");
        assertArrayEquals(new byte[] {1, 0, (byte) 0xfa, (byte) 0xde}, m.readFlash(1, 0, 4));  // programmed
        assertArrayEquals(new byte[] {-1, -1, -1, -1}, m.readFlash(1, 0x3fffc, 4));            // erased
    }
}
