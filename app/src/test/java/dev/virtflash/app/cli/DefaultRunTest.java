package dev.virtflash.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job (issue 6, acceptance 1 and 2): {@code virt} with no arguments makes two sparse images in a new folder,
 * boots the default payload, shows its console and the PASS verdict, prints the flash RSS report and exits 0; the two
 * banks together keep at most 1 MiB resident.
 */
class DefaultRunTest {

    private static final long MiB = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void bareVirtAsAProcessPrintsConsoleVerdictAndReportAndExitsZero() throws Exception {
        CliRun r = CliRun.process(tmp);
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("virtflash default payload: CFI probe, erase, program, read back", lines.get(0));
        int pass = lines.indexOf("PASS");
        assertTrue(pass > 0, "no PASS verdict line in\n" + r.out());
        assertEquals("read back 262144 bytes at 0x04000000: all as expected", lines.get(pass - 1));
        assertEquals("flash RSS report", lines.get(pass + 1));
        assertTrue(lines.get(pass + 2).matches("bank\\s+size\\s+allocated\\s+non-zero\\s+resident\\s+owned\\s+shared\\s+image"),
                lines.get(pass + 2));
        assertTrue(lines.get(lines.size() - 1).matches("process: VmRSS .+, RssAnon .+"), lines.get(lines.size() - 1));
        // stderr: only where the images are; the folder is new and kept, with both images in it
        List<String> err = r.errLines();
        assertEquals(1, err.size(), r.err());
        assertTrue(err.get(0).startsWith("virt: payload 'default' on flash images in " + tmp), err.get(0));
        Path dir = Path.of(err.get(0).substring(err.get(0).lastIndexOf(' ') + 1));
        assertEquals(CliRun.BANK, Files.size(dir.resolve("flash0.img")));
        assertEquals(CliRun.BANK, Files.size(dir.resolve("flash1.img")));
        assertTrue(r.out().contains(dir.resolve("flash1.img").toString()), "the report names the images");
    }

    @Test
    void jsonReportIsValidAndTheBanksKeepAtMostOneMiBResident() throws Exception {
        CliRun r = CliRun.process(tmp, "--rss-report=json");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.contains("PASS"), r.out());
        String json = lines.get(lines.size() - 1);
        Map<?, ?> report = assertInstanceOf(Map.class, MiniJson.parse(json));
        List<?> banks = assertInstanceOf(List.class, report.get("banks"));
        assertEquals(2, banks.size());
        long sum = 0;
        for (int unit = 0; unit < 2; unit++) {
            Map<?, ?> bank = assertInstanceOf(Map.class, banks.get(unit));
            assertEquals("virt.flash" + unit, bank.get("name"));
            assertEquals(64 * MiB, bank.get("virtualSize"));
            long resident = (Long) bank.get("residentBytes");
            long nonZero = (Long) bank.get("nonZeroBytes");
            assertTrue(resident >= nonZero, "a bank holds its non-zero pages: " + bank);
            // the pagemap oracle: the pages the kernel mapped are exactly the pages written, zero page or not
            assertEquals(bank.get("dataBytes"), bank.get("presentBytes"), "touched pages == data pages: " + bank);
            assertEquals(nonZero, (Long) bank.get("dataBytes"), "the default run writes only non-zero pages: " + bank);
            assertTrue(((String) bank.get("image")).endsWith("flash" + unit + ".img"), bank.toString());
            assertEquals(resident, bank.get("ownedBytes"), "a writable bank owns what it holds: " + bank);
            assertEquals(0L, bank.get("sharedBytes"), bank.toString());
            assertTrue(bank.containsKey("sharedFile") && bank.get("sharedFile") == null, bank.toString());
            sum += resident;
        }
        long flash = (Long) report.get("flashResidentBytes");
        assertEquals(sum, flash);
        assertTrue(flash <= MiB, "acceptance 2: both banks together keep " + flash + " bytes resident, at most 1 MiB");
        // bank 1 holds the erased block (0xFF) the payload programmed: at least its 256 KiB are non-zero
        assertTrue((Long) ((Map<?, ?>) banks.get(1)).get("nonZeroBytes") >= 256 * 1024, json);
        Map<?, ?> process = assertInstanceOf(Map.class, report.get("process"));
        long rss = (Long) process.get("vmRssBytes");
        long anon = (Long) process.get("rssAnonBytes");
        assertTrue(rss > flash && anon > 0 && anon < rss, process.toString());
    }

    @Test
    void aReadOnlyRawBankIsTheFileItselfAndTheReportSaysSo() throws Exception {
        Path flash0 = CliRun.image(tmp.resolve("code.img"), CliRun.payload("default"));
        Path flash1 = CliRun.image(tmp.resolve("vars.img"), new byte[0]);
        CliRun.Fingerprint before = CliRun.Fingerprint.of(flash0);
        CliRun r = CliRun.process(tmp, "-semihosting", "--rss-report=json",
                "-drive", "if=pflash,unit=0,format=raw,readonly=on,file=" + flash0,
                "-drive", "if=pflash,unit=1,format=raw,file=" + flash1);
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.contains("PASS"), r.out());
        Map<?, ?> report = assertInstanceOf(Map.class, MiniJson.parse(lines.get(lines.size() - 1)));
        Map<?, ?> code = assertInstanceOf(Map.class, ((List<?>) report.get("banks")).get(0));
        long resident = (Long) code.get("residentBytes");
        assertTrue(resident > 0, code.toString());
        assertEquals(code.get("dataBytes"), code.get("presentBytes"), "touched pages == data pages: " + code);
        assertEquals(0L, code.get("ownedBytes"), "the code bank owns no memory: its pages are the file's " + code);
        assertEquals(resident, code.get("sharedBytes"), code.toString());
        assertEquals(flash0.toString(), code.get("sharedFile"), code.toString());
        Map<?, ?> vars = assertInstanceOf(Map.class, ((List<?>) report.get("banks")).get(1));
        assertEquals(null, vars.get("sharedFile"), vars.toString());
        assertEquals(before, CliRun.Fingerprint.of(flash0), "the read-only image is untouched");
    }

    @Test
    void inProcessRunMakesItsFolderInTheWorkDirAndReportsTheSameWay() throws Exception {
        CliRun r = CliRun.inProcess(tmp, "--rss-report=json");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().lines().anyMatch("PASS"::equals), r.out());
        try (Stream<Path> s = Files.list(tmp)) {
            List<Path> made = s.toList();
            assertEquals(1, made.size(), made.toString());
            assertTrue(made.get(0).getFileName().toString().startsWith("virtflash-"), made.toString());
        }
        assertFalse(r.err().contains("Exception"), r.err());
    }
}
