package dev.virtflash.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * JUnit 5 extension giving each test method a {@link TestBoard} parameter in a fresh temporary folder. After the
 * test every machine of the board is stopped and released; the folder is deleted if the test passed and kept (its
 * path added to the failure) if it failed. A failing test also gets the console tail of each of its machines added
 * to its exception, so an assertion on flash contents shows what the guest printed.
 *
 * <pre>{@code
 * @ExtendWith(VirtBoardExtension.class)
 * class MyFlashTest {
 *     @Test
 *     void eraseWorks(TestBoard board) throws Exception { ... }
 * }
 * }</pre>
 */
public final class VirtBoardExtension implements ParameterResolver, AfterEachCallback, TestExecutionExceptionHandler {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            VirtBoardExtension.class);
    private static final String BOARD = "board";
    private static final String FAILED = "failed";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestBoard.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(BOARD, key -> {
            try {
                return TestBoard.in(Files.createTempDirectory("virtflash-test-"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temporary folder for the test's images", e);
            }
        }, TestBoard.class);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        context.getStore(NAMESPACE).put(FAILED, Boolean.TRUE);
        TestBoard board = context.getStore(NAMESPACE).get(BOARD, TestBoard.class);
        if (board != null) {
            for (TestMachine m : board.machines()) {
                String tail = TestMachine.printable(m.consoleLog().tail(TestMachine.TAIL_BYTES));
                failure.addSuppressed(new ConsoleTail(m.name() + " console tail (" + m.consoleLog().written()
                        + " bytes written):\n---\n" + tail + "\n---"));
            }
            failure.addSuppressed(new ConsoleTail("images kept in " + board.dir()));
        }
        throw failure;
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        TestBoard board = context.getStore(NAMESPACE).remove(BOARD, TestBoard.class);
        if (board == null) {
            return;
        }
        board.close();
        boolean failed = context.getStore(NAMESPACE).remove(FAILED) != null || context.getExecutionException()
                .isPresent();
        if (!failed) {
            TempTree.delete(board.dir());
        }
    }

    /** Context added to a failing test's exception: a message, no stack trace. */
    static final class ConsoleTail extends Exception {
        ConsoleTail(String message) {
            super(message, null, false, false);
        }
    }
}
