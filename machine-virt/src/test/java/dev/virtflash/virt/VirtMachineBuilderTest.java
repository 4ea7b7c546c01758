package dev.virtflash.virt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.virt.cpu.UnicornCpu;
import org.junit.jupiter.api.Test;

/** Board options that are not about images: the translation buffer (QEMU's {@code -accel tcg,tb-size=N}). */
class VirtMachineBuilderTest {

    @Test
    void translationBufferIsABoardOptionFromOneMiBToOneGiB() throws Exception {
        assertEquals(4, UnicornCpu.DEFAULT_TRANSLATION_BUFFER_MIB);
        for (int bad : new int[] {0, -1, VirtMachine.MAX_TRANSLATION_BUFFER_MIB + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> VirtMachine.builder().translationBufferMiB(bad));
            assertTrue(e.getMessage().contains(bad + " MiB, expected 1 to 1024"), e.getMessage());
        }
        try (VirtMachine small = VirtMachine.builder().translationBufferMiB(1).build();
             VirtMachine other = VirtMachine.builder().translationBufferMiB(2).build()) {
            assertEquals(0, small.cpu().pc().value());
            assertEquals(0, other.cpu().pc().value());
        }
    }
}
