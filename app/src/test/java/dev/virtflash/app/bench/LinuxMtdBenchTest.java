package dev.virtflash.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinuxMtdBenchTest {

    @Test
    void bothEmulatorsGetTheSameBoardWithoutAUnit0Drive() {
        List<String> options = LinuxMtdBench.boardOptions(Path.of("/i/f1.img"));
        assertEquals("if=pflash,unit=1,format=raw,file=/i/f1.img", options.get(options.size() - 1));
        assertFalse(options.stream().anyMatch(o -> o.contains("unit=0")), "QEMU would run a unit 0 drive as firmware");
        String append = options.get(options.indexOf("-append") + 1);
        assertTrue(append.contains("mtdparts=0.flash:64m(flash0),64m(flash1)"), append);
        assertTrue(append.contains("virtflash.test=speed"), append);
    }
}
