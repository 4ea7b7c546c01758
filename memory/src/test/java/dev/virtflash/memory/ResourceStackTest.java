package dev.virtflash.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceStackTest {

    @Test
    void closesInReverseOrderOnce() throws IOException {
        List<String> closed = new ArrayList<>();
        ResourceStack stack = new ResourceStack();
        AutoCloseable first = () -> closed.add("first");
        assertSame(first, stack.push(first));
        stack.push(() -> closed.add("second"));
        stack.push(null);
        stack.close();
        stack.close();
        assertEquals(List.of("second", "first"), closed);
        assertTrue(stack.isEmpty());
    }

    @Test
    void closesEverythingAndThrowsTheFirstFailureWithTheOthersSuppressed() {
        List<String> closed = new ArrayList<>();
        ResourceStack stack = new ResourceStack();
        stack.push(() -> closed.add("a"));
        stack.push(() -> {
            throw new IllegalStateException("b");
        });
        stack.push(() -> {
            throw new IOException("c");
        });
        IOException e = assertThrows(IOException.class, stack::close);
        assertEquals("c", e.getMessage());
        assertEquals("b", e.getSuppressed()[0].getMessage());
        assertEquals(List.of("a"), closed);
    }

    @Test
    void anotherCheckedExceptionIsWrapped() {
        ResourceStack stack = new ResourceStack();
        stack.push(() -> {
            throw new Exception("odd");
        });
        IOException e = assertThrows(IOException.class, stack::close);
        assertEquals("odd", e.getCause().getMessage());
    }

    @Test
    void closeAfterAddsFailuresToTheCause() {
        ResourceStack stack = new ResourceStack();
        stack.push(() -> {
            throw new IOException("close failed");
        });
        RuntimeException cause = new RuntimeException("build failed");
        stack.closeAfter(cause);
        assertEquals("close failed", cause.getSuppressed()[0].getMessage());
    }
}
