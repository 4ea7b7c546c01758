package dev.virtflash.virt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.virtflash.virt.fdt.Dtc;
import dev.virtflash.virt.fdt.FdtBuilder;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtDeviceTreeTest {

    @TempDir
    Path dir;

    private Map<String, Map<String, String>> decompile(byte[] blob) throws Exception {
        Path dtb = Files.createTempFile(dir, "virt", ".dtb");
        Files.write(dtb, blob);
        Dtc.Result r = Dtc.decompile(dtb);
        assertEquals("", r.warnings(), "dtc warnings on our tree");
        return Dtc.nodes(r.dts());
    }

    @Test
    void blobFillsQemusOneMebibyteBuffer() {
        byte[] blob = VirtDeviceTree.builder().build().blob();
        assertEquals(1 << 20, blob.length);
        assertEquals(FdtBuilder.FDT_MAGIC, ByteBuffer.wrap(blob).getInt(0));
        assertEquals(1 << 20, ByteBuffer.wrap(blob).getInt(4));
        assertEquals(0x4000_0000L, VirtDeviceTree.LOAD_ADDRESS);
    }

    @Test
    void hasExactlyTheNodesOfTheDevicesWeHave() throws Exception {
        Map<String, Map<String, String>> n = decompile(VirtDeviceTree.builder().build().blob());
        assertEquals(List.of("/", "/chosen", "/memory@40000000", "/cpus", "/cpus/cpu-map", "/cpus/cpu-map/socket0",
                "/cpus/cpu-map/socket0/cluster0", "/cpus/cpu-map/socket0/cluster0/core0", "/cpus/cpu@0", "/psci",
                "/intc@8000000", "/timer", "/flash@0", "/apb-pclk", "/pl011@9000000", "/pl031@9010000"),
                List.copyOf(n.keySet()));
        assertEquals("<0x00 0x00 0x00 0x4000000 0x00 0x4000000 0x00 0x4000000>", n.get("/flash@0").get("reg"));
        assertEquals("<0x04>", n.get("/flash@0").get("bank-width"));
        assertEquals("\"/pl011@9000000\"", n.get("/chosen").get("stdout-path"));
        assertEquals(n.get("/intc@8000000").get("phandle"), n.get("/").get("interrupt-parent"));
        assertEquals("<0x00 0x8000000 0x00 0x10000 0x00 0x8010000 0x00 0x10000>", n.get("/intc@8000000").get("reg"));
        assertEquals("<0x00 0x01 0x04>", n.get("/pl011@9000000").get("interrupts"), "SPI 1, level-high");
        assertEquals("<0x00 0x02 0x04>", n.get("/pl031@9010000").get("interrupts"), "SPI 2, level-high");
        assertEquals("<0x01 0x0d 0x104 0x01 0x0e 0x104 0x01 0x0b 0x104 0x01 0x0a 0x104>",
                n.get("/timer").get("interrupts"), "PPIs 13, 14, 11, 10 for the one CPU, level-high");
    }

    @Test
    void ramSizeGoesIntoTheMemoryNode() throws Exception {
        Map<String, Map<String, String>> n = decompile(VirtDeviceTree.builder().ramSize(3L << 30).build().blob());
        assertEquals("<0x00 0x40000000 0x00 0xc0000000>", n.get("/memory@40000000").get("reg"));
        assertThrows(IllegalArgumentException.class, () -> VirtDeviceTree.builder().ramSize(0));
        assertThrows(IllegalArgumentException.class, () -> VirtDeviceTree.builder().ramSize(256L << 30));
    }

    @Test
    void psciNodeOnlyWhenTheCpuOffersIt() throws Exception {
        assertFalse(decompile(VirtDeviceTree.builder().psci(false).build().blob()).containsKey("/psci"));
    }

    @Test
    void seedsComeFromTheRandomSource() {
        byte[] a = VirtDeviceTree.builder().random(new SplittableRandom(1)).build().blob();
        byte[] b = VirtDeviceTree.builder().random(new SplittableRandom(1)).build().blob();
        byte[] c = VirtDeviceTree.builder().random(new SplittableRandom(2)).build().blob();
        assertArrayEquals(a, b);
        assertNotEquals(ByteBuffer.wrap(a), ByteBuffer.wrap(c));
    }
}
