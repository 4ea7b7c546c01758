package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Callback;
import com.sun.jna.CallbackReference;
import com.sun.jna.Function;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link DirectCallbacks}: the entry point it makes calls the callback directly, with its arguments as they are. */
class DirectCallbacksTest {

    interface Sum extends Callback {
        long invoke(long a, int b, long c);
    }

    private final List<String> calls = new ArrayList<>();
    /** Whether the last call came through JNA's reflective proxy. */
    private boolean throughProxy;
    private final Sum sum = (a, b, c) -> {
        calls.add(a + " " + b + " " + c);
        throughProxy = Arrays.stream(new Throwable().getStackTrace())
                .anyMatch(f -> f.getClassName().equals("com.sun.jna.CallbackReference$DefaultCallbackProxy"));
        return a + b + c;
    };

    @Test
    void theEntryPointCallsTheCallbackWithoutTheReflectiveProxy() {
        long entry = DirectCallbacks.entryPoint(sum);
        assertEquals((1L << 40) + 4, call(entry, 1L << 40, 7, -3L));
        assertEquals(List.of((1L << 40) + " 7 -3"), calls);
        assertFalse(throughProxy, "called directly");
        assertEquals(entry, DirectCallbacks.entryPoint(sum), "one entry point per callback");

        // what it replaces: the public entry point goes through the proxy (boxing, reflection)
        long proxied = Pointer.nativeValue(CallbackReference.getFunctionPointer(sum));
        assertEquals(-1, call(proxied, -1, 0, 0));
        assertTrue(throughProxy, "the public entry point calls through the proxy");
    }

    private static long call(long entry, long a, int b, long c) {
        return Function.getFunction(new Pointer(entry)).invokeLong(new Object[] {a, b, c});
    }
}
