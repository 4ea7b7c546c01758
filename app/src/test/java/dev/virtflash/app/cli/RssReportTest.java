package dev.virtflash.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RssReportTest {

    private static final RssReport REPORT = new RssReport(List.of(
            new RssReport.Bank("flash0", 64L << 20, Path.of("/tmp/virt-1/flash0.img"), 8192, 4096, 12288, 12288, 12288,
                    0, 12288, Path.of("/tmp/virt-1/flash0.img")),
            RssReport.Bank.owning("flash1", 64L << 20, null, 0, 0, 262144, 262144, 266240)),
            new RssReport.Process(50L << 20, 20L << 20, 0));

    @Test
    void tableHasOneRowPerBankAndTotals() {
        String expected = String.join("\n",
                "flash RSS report",
                "bank       size  allocated  non-zero  resident    owned  shared  image",
                "flash0   64 MiB      8 KiB     4 KiB    12 KiB      0 B  12 KiB  /tmp/virt-1/flash0.img",
                "flash1   64 MiB        0 B       0 B   256 KiB  256 KiB     0 B  (no image)",
                "total   128 MiB      8 KiB     4 KiB   268 KiB  256 KiB  12 KiB",
                "process: VmRSS 50 MiB, RssAnon 20 MiB",
                "");
        assertEquals(expected, REPORT.toTable());
    }

    @Test
    void jsonIsValidAndCarriesEveryFigureInBytes() {
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) MiniJson.parse(REPORT.toJson());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> banks = (List<Map<String, Object>>) root.get("banks");
        assertEquals(2, banks.size());
        assertEquals(Map.ofEntries(Map.entry("name", "flash0"), Map.entry("virtualSize", 67108864L),
                Map.entry("image", "/tmp/virt-1/flash0.img"), Map.entry("allocatedBytes", 8192L),
                Map.entry("nonZeroBytes", 4096L), Map.entry("residentBytes", 12288L), Map.entry("dataBytes", 12288L),
                Map.entry("presentBytes", 12288L), Map.entry("ownedBytes", 0L), Map.entry("sharedBytes", 12288L),
                Map.entry("sharedFile", "/tmp/virt-1/flash0.img")), banks.get(0));
        assertTrue(banks.get(1).containsKey("image"));
        assertEquals(null, banks.get(1).get("image"));
        assertEquals(262144L, banks.get(1).get("ownedBytes"));
        assertTrue(banks.get(1).containsKey("sharedFile"));
        assertEquals(null, banks.get(1).get("sharedFile"));
        assertEquals(274432L, root.get("flashResidentBytes"));
        assertEquals(Map.of("vmRssBytes", 52428800L, "rssAnonBytes", 20971520L, "ramMergedBytes", 0L),
                root.get("process"));
    }

    @Test
    void awkwardPathsStayValidJson() {
        String weird = "/tmp/a \"quoted\"\\back\tslash\nnew\u00e9line";
        RssReport r = new RssReport(List.of(RssReport.Bank.owning("flash0", 1, Path.of(weird), 0, 0, 0, 0, 0)),
                new RssReport.Process(0, 0, 3L << 20));
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) MiniJson.parse(r.toJson());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> banks = (List<Map<String, Object>>) root.get("banks");
        assertEquals(weird, banks.get(0).get("image"));
        assertTrue(r.toJson().chars().allMatch(c -> c >= 0x20 && c < 0x7F), "pure printable ASCII");
        assertTrue(r.toTable().endsWith("process: VmRSS 0 B, RssAnon 0 B, RAM merged 3 MiB (kept once, mem-merge)\n"),
                r.toTable());
    }

    @Test
    void theJsonCheckerRejectsBrokenJson() {
        assertThrows(IllegalArgumentException.class, () -> MiniJson.parse("{\"a\":1,}"));
        assertThrows(IllegalArgumentException.class, () -> MiniJson.parse("{\"a\":01}"));
        assertThrows(RuntimeException.class, () -> MiniJson.parse("{\"a\":\"x"));
    }

    @Test
    void humanSizes() {
        assertEquals("0 B", Sizes.human(0));
        assertEquals("1023 B", Sizes.human(1023));
        assertEquals("1 KiB", Sizes.human(1024));
        assertEquals("1.5 KiB", Sizes.human(1536));
        assertEquals("64 MiB", Sizes.human(64L << 20));
        assertEquals("255 GiB", Sizes.human(255L << 30));
        assertEquals("?", Sizes.human(-1));
        assertEquals("1.1 KiB", Sizes.human(1126)); // 1.0996: rounds up into the next tenth
        assertEquals("1024 MiB", Sizes.human((1L << 30) - 1)); // 1023.99... MiB rounds to 1024.0
    }

    @Test
    void humanSizesRoundAsPercentPointOneF() {
        Random random = new Random(17);
        for (int i = 0; i < 200_000; i++) {
            long bytes = random.nextLong() >>> (1 + random.nextInt(50)); // every magnitude from B to EiB
            assertEquals(withFormatter(bytes), Sizes.human(bytes), () -> bytes + " bytes");
        }
        for (long tenth = 1; tenth < 10_240; tenth++) { // values on and around every tenth of a KiB
            long bytes = tenth * 1024 / 10;
            for (long b = bytes - 2; b <= bytes + 2; b++) {
                long at = b;
                assertEquals(withFormatter(at), Sizes.human(at), () -> at + " bytes");
            }
        }
    }

    /** What {@link Sizes#human} printed before it stopped using {@code String.format}. */
    private static String withFormatter(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        String s = String.format(Locale.ROOT, "%.1f", v);
        return (s.endsWith(".0") ? s.substring(0, s.length() - 2) : s) + " " + units[u];
    }
}
