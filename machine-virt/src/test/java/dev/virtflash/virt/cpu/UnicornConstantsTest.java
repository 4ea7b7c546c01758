package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every numeric constant of {@link UnicornLibrary} against the values Unicorn 2.1.1's own headers give, as printed by
 * {@code src/test/c/unicorn_constants.c} compiled against them (output kept in
 * {@code src/test/resources/unicorn-2.1.1-constants.txt}).
 */
class UnicornConstantsTest {

    @Test
    void javaConstantsMatchTheUnicorn211Headers() throws IOException {
        Map<String, Long> header = new HashMap<>();
        try (InputStream in = getClass().getResourceAsStream("/unicorn-2.1.1-constants.txt")) {
            assertNotNull(in, "unicorn-2.1.1-constants.txt");
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                String[] kv = line.split("=");
                header.put(kv[0], Long.parseLong(kv[1].trim()));
            }
        }
        int checked = 0;
        for (Field f : UnicornLibrary.class.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (!Modifier.isStatic(mod) || !Modifier.isFinal(mod) || f.getType() != int.class
                    || f.getName().startsWith("HOOK_")) {
                continue;
            }
            Long expected = header.get(f.getName());
            assertNotNull(expected, f.getName() + " is not among the values taken from the headers");
            assertEquals(expected.longValue(), ((Number) get(f)).longValue(), f.getName());
            checked++;
        }
        assertTrue(checked >= 40, "checked " + checked + " constants");
        assertEquals(24, header.get("CP_REG_VAL_OFFSET"), "uc_arm64_cp_reg.val sits in the fourth long");
        assertEquals(28, header.get("X28_MINUS_X0"), "x0..x28 are consecutive register ids");
        for (String run : new String[]{"ELR", "SP", "ESR", "FAR", "VBAR"}) {
            assertEquals(3, header.get(run + "_EL3_MINUS_" + run + "_EL0"), run + "_EL0..3 are consecutive");
        }
    }

    private static Object get(Field f) {
        try {
            f.setAccessible(true);
            return f.get(null);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }
}
