package dev.virtflash.virt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.virtflash.memory.Residency;
import dev.virtflash.virt.cpu.UnicornCpu;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Board options that are not about images: the translation buffer (QEMU's {@code -accel tcg,tb-size=N}), the device tree. */
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

    /** Without a size set, a firmware or payload board gets 4 MiB and a {@code -kernel} boot 16 (Linux needs more). */
    @Test
    void translationBufferDefaultsToTheBootsOwn() {
        assertEquals(UnicornCpu.DEFAULT_TRANSLATION_BUFFER_MIB, VirtMachine.builder().translationBufferMiB());
        KernelBoot kernel = new KernelBoot(new byte[256], null, null);
        assertEquals(16, UnicornCpu.KERNEL_BOOT_TRANSLATION_BUFFER_MIB);
        assertEquals(16, VirtMachine.builder().kernel(kernel).translationBufferMiB());
        assertEquals(2, VirtMachine.builder().kernel(kernel).translationBufferMiB(2).translationBufferMiB());
        assertEquals(8, VirtMachine.builder().translationBufferMiB(8).translationBufferMiB());
    }

    /**
     * The device tree goes into fresh RAM without its zero padding (QEMU's 1 MiB buffer, a few KiB used): RAM reads
     * the whole blob, but only the used part's pages are present; a reset writes all of it again.
     */
    @Test
    void deviceTreeLoadsOnlyItsUsedBytesIntoFreshRam() throws Exception {
        try (VirtMachine m = VirtMachine.builder().build()) {
            byte[] blob = m.deviceTree();
            assertEquals(VirtDeviceTree.BLOB_SIZE, blob.length);
            long offset = VirtDeviceTree.LOAD_ADDRESS - VirtMemoryMap.RAM.base();
            long present = Residency.presentBytes(m.ram());
            assertTrue(present <= 64 * 1024, "RAM present after build: " + present + " bytes");
            int used = blob.length;
            while (blob[used - 1] == 0) {
                used--;
            }
            assertTrue(used < 64 * 1024, "used " + used);
            byte[] inRam = new byte[used]; // only pages the load wrote are read
            m.ram().read(offset, inRam, 0, used);
            assertArrayEquals(Arrays.copyOf(blob, used), inRam);
            long end = offset + blob.length - 4;
            m.ram().write(end, new byte[] {1, 2, 3, 4}, 0, 4); // the guest scribbles over the padding
            m.reset();
            byte[] tail = new byte[4];
            m.ram().read(end, tail, 0, 4);
            assertArrayEquals(new byte[4], tail, "a reset copies the whole blob again");
        }
    }
}
