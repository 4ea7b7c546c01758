package dev.virtflash.virt.fdt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FdtBuilderTest {

    @TempDir
    Path dir;

    private static FdtBuilder sample() {
        FdtBuilder f = new FdtBuilder();
        int clk = f.allocatePhandle();
        f.beginNode("");
        f.propertyCells("#address-cells", 2);
        f.propertyCells("#size-cells", 2);
        f.propertyStrings("compatible", "a,b", "c");
        f.propertyEmpty("dma-coherent");
        f.beginNode("clk");
        f.propertyCells("#clock-cells", 0);
        f.phandle(clk);
        f.endNode();
        f.beginNode("dev@1000");
        f.propertyU64("reg", 0x1000, 0x200);
        f.propertyCells("clocks", clk);
        f.propertyString("status", "okay");
        f.property("blob", new byte[] {1, 2, 3});
        f.endNode();
        f.endNode();
        return f;
    }

    @Test
    void headerFieldsDescribeTheBlocks() {
        FdtBuilder f = sample().addReservation(0x4000_0000L, 0x1000).bootCpuId(3);
        byte[] blob = f.build();
        ByteBuffer b = ByteBuffer.wrap(blob);
        assertEquals(FdtBuilder.FDT_MAGIC, b.getInt(0));
        assertEquals(blob.length, b.getInt(4));
        int offStruct = b.getInt(8);
        int offStrings = b.getInt(12);
        int offRsv = b.getInt(16);
        assertEquals(17, b.getInt(20));
        assertEquals(16, b.getInt(24));
        assertEquals(3, b.getInt(28));
        int sizeStrings = b.getInt(32);
        int sizeStruct = b.getInt(36);
        assertEquals(40, offRsv);
        assertEquals(0x4000_0000L, b.getLong(offRsv));
        assertEquals(0x1000L, b.getLong(offRsv + 8));
        assertEquals(0L, b.getLong(offRsv + 16));
        assertEquals(0L, b.getLong(offRsv + 24));
        assertEquals(offRsv + 32, offStruct);
        assertEquals(offStruct + sizeStruct, offStrings);
        assertEquals(offStrings + sizeStrings, blob.length);
        assertEquals(FdtBuilder.FDT_BEGIN_NODE, b.getInt(offStruct));
        assertEquals(FdtBuilder.FDT_END, b.getInt(offStrings - 4));
        assertEquals(FdtBuilder.FDT_END_NODE, b.getInt(offStrings - 8));
    }

    @Test
    void propertyNamesAreStoredOnceInTheStringsBlock() {
        FdtBuilder f = new FdtBuilder();
        f.beginNode("").propertyCells("x", 1);
        f.beginNode("a").propertyCells("x", 2).endNode();
        f.beginNode("b").propertyCells("x", 3).endNode();
        f.endNode();
        byte[] blob = f.build();
        ByteBuffer b = ByteBuffer.wrap(blob);
        int offStrings = b.getInt(12);
        int sizeStrings = b.getInt(32);
        assertArrayEquals("x\0".getBytes(StandardCharsets.US_ASCII),
                Arrays.copyOfRange(blob, offStrings, offStrings + sizeStrings));
    }

    @Test
    void paddedBlobSaysItsTotalSize() {
        byte[] blob = sample().build(1 << 20);
        assertEquals(1 << 20, blob.length);
        assertEquals(1 << 20, ByteBuffer.wrap(blob).getInt(4));
        assertThrows(IllegalStateException.class, () -> sample().build(64));
    }

    @Test
    void dtcReadsBackEveryKindOfProperty() throws Exception {
        Path dtb = dir.resolve("t.dtb");
        Files.write(dtb, sample().build());
        Dtc.Result r = Dtc.decompile(dtb);
        Map<String, Map<String, String>> n = Dtc.nodes(r.dts());
        assertEquals("<0x02>", n.get("/").get("#address-cells"));
        assertEquals("\"a,b\\0c\"", n.get("/").get("compatible"));
        assertEquals("", n.get("/").get("dma-coherent"));
        assertEquals("<0x8000>", n.get("/clk").get("phandle"));
        assertEquals("<0x00 0x1000 0x00 0x200>", n.get("/dev@1000").get("reg"));
        assertEquals("<0x8000>", n.get("/dev@1000").get("clocks"));
        assertEquals("\"okay\"", n.get("/dev@1000").get("status"));
        assertEquals("[01 02 03]", n.get("/dev@1000").get("blob"));
        assertEquals("", r.warnings(), "dtc warnings");
    }

    @Test
    void misuseIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new FdtBuilder().beginNode("notroot"));
        assertThrows(IllegalStateException.class, () -> new FdtBuilder().propertyCells("x", 1));
        assertThrows(IllegalStateException.class, () -> new FdtBuilder().endNode());
        assertThrows(IllegalStateException.class, () -> new FdtBuilder().build());
        assertThrows(IllegalStateException.class, () -> new FdtBuilder().beginNode("").build());
        FdtBuilder late = new FdtBuilder().beginNode("").beginNode("a").endNode();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> late.propertyCells("x", 1));
        assertTrue(e.getMessage().contains("after a sub-node"), e.getMessage());
        FdtBuilder twice = new FdtBuilder().beginNode("").propertyCells("x", 1);
        assertThrows(IllegalStateException.class, () -> twice.propertyCells("x", 2));
        FdtBuilder dup = new FdtBuilder().beginNode("").beginNode("a").endNode();
        assertThrows(IllegalStateException.class, () -> dup.beginNode("a"));
        FdtBuilder names = new FdtBuilder().beginNode("");
        assertThrows(IllegalArgumentException.class, () -> names.beginNode("a/b"));
        assertThrows(IllegalArgumentException.class, () -> names.beginNode("x@"));
        assertThrows(IllegalArgumentException.class, () -> names.propertyCells("bad name", 1));
        assertThrows(IllegalArgumentException.class, () -> names.propertyString("s", "a\0b"));
        FdtBuilder closed = new FdtBuilder().beginNode("").endNode();
        assertThrows(IllegalStateException.class, () -> closed.beginNode(""));
    }

    @Test
    void phandlesStartWhereQemuStartsAndAreUnique() {
        FdtBuilder f = new FdtBuilder();
        assertEquals(0x8000, f.allocatePhandle());
        assertEquals(0x8001, f.allocatePhandle());
    }
}
