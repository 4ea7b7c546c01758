package dev.virtflash.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.virtflash.app.bench.BoardBench;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtTest {

    @Test
    void theBenchmarksStartThisClass() {
        assertEquals(Virt.class.getName(), BoardBench.VIRT_MAIN_CLASS);
    }

    @Test
    void anUnknownBenchmarkIsAUsageError() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Virt.bench(List.of("nosuch"), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, rc);
        assertEquals("virt: bench 'nosuch' is unknown, expected bench load, bench board or bench density\n",
                err.toString(StandardCharsets.UTF_8));
    }
}
