package dev.virtflash.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.firmware.PayloadCatalog;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PayloadCatalogTest {

    @TempDir
    Path dir;

    @Test
    void listsAndLoadsFromADirectory() throws Exception {
        PayloadCatalog c = CommandLineParserTest.TEST_PAYLOADS;
        assertEquals(List.of("default", "hello"), List.copyOf(c.names()));
        assertTrue(c.contains("hello"));
        assertFalse(c.contains("nosuch"));
        assertFalse(c.contains("../payloads/hello"));
        assertArrayEquals("hello\n".getBytes(StandardCharsets.US_ASCII), c.load("hello").orElseThrow());
        assertEquals(Optional.empty(), c.load("nosuch"));
        assertEquals("dev/virtflash/app/cli/payloads/hello.bin", c.resourceName("hello"));
    }

    @Test
    void listsAndLoadsFromAJar() throws Exception {
        Path jar = dir.resolve("firmware.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : List.of("dev/virtflash/firmware/", "dev/virtflash/firmware/default.bin",
                    "dev/virtflash/firmware/guest-hostile.bin", "dev/virtflash/firmware/sub/nested.bin",
                    "dev/virtflash/firmware/readme.txt")) {
                out.putNextEntry(new JarEntry(name));
                if (!name.endsWith("/")) {
                    write(out, name);
                }
                out.closeEntry();
            }
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            PayloadCatalog c = new PayloadCatalog(loader, PayloadCatalog.FIRMWARE_PREFIX);
            assertEquals(List.of("default", "guest-hostile"), List.copyOf(c.names()));
            assertArrayEquals("dev/virtflash/firmware/default.bin".getBytes(StandardCharsets.US_ASCII),
                    c.load("default").orElseThrow());
        }
    }

    private static void write(OutputStream out, String s) throws java.io.IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
    }
}
