package dev.virtflash.testkit;

import dev.virtflash.memory.ResourceStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A test's working folder for flash images, and the machines started from it. {@link #close()} stops and releases
 * every machine still running; the folder and its images are left to the caller ({@link VirtBoardExtension} deletes
 * it after a passing test and keeps it after a failing one).
 *
 * <pre>{@code
 * try (TestBoard board = TestBoard.in(tempDir)) {
 *     TestMachine m = board.machine().payload("erase").start();
 *     m.await("done");
 * }
 * }</pre>
 */
public final class TestBoard implements AutoCloseable {

    private final Path dir;
    private final List<TestMachine> machines = new ArrayList<>();

    private TestBoard(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    /** A board whose images go into {@code dir} (an existing folder). */
    public static TestBoard in(Path dir) {
        return new TestBoard(dir);
    }

    /** The working folder. */
    public Path dir() {
        return dir;
    }

    /** Makes {@code fileName} in the working folder from {@code template} (replacing a file of that name). */
    public Path image(String fileName, FlashImage template) throws IOException {
        return template.create(dir.resolve(fileName));
    }

    /** A new machine setup; the machine it starts is closed with this board. */
    public MachineSetup machine() {
        return new MachineSetup(dir, this::register);
    }

    /** The machines started so far, oldest first. */
    public synchronized List<TestMachine> machines() {
        return List.copyOf(machines);
    }

    private synchronized void register(TestMachine m) {
        machines.add(m);
    }

    /**
     * Stops and releases every machine, the newest first (each is closed even if another fails; the first failure is
     * thrown).
     */
    @Override
    public void close() {
        ResourceStack all = new ResourceStack();
        machines().forEach(all::push);
        try {
            all.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // TestMachine.close() throws no checked exception
        }
    }
}
