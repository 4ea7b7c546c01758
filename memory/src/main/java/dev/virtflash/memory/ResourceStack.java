package dev.virtflash.memory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The owner of resources opened one after another: {@link #close()} closes them in reverse order of {@link #push},
 * every one of them even when some fail. The first failure is thrown with the later ones suppressed: an
 * {@link IOException} or unchecked exception as it is, another checked exception inside an {@code IOException}.
 * Closing twice closes nothing the second time. Not thread-safe.
 *
 * <p>Used wherever something owns several {@link AutoCloseable}s (a board its images, banks, RAM and CPU; a test board
 * its machines), and by a builder to release what it opened when a later step fails.
 */
public final class ResourceStack implements AutoCloseable {

    private final Deque<AutoCloseable> owned = new ArrayDeque<>();

    /** Takes ownership of {@code resource} (null is ignored) and returns it. */
    public <T extends AutoCloseable> T push(T resource) {
        if (resource != null) {
            owned.push(resource);
        }
        return resource;
    }

    /** Whether nothing is owned (nothing pushed, or all closed). */
    public boolean isEmpty() {
        return owned.isEmpty();
    }

    /** Closes everything in reverse order of {@link #push}; see the class comment for failures. */
    @Override
    public void close() throws IOException {
        Exception failure = null;
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure instanceof IOException) {
            throw (IOException) failure;
        }
        if (failure instanceof RuntimeException) {
            throw (RuntimeException) failure;
        }
        if (failure != null) {
            throw new IOException(failure);
        }
    }

    /**
     * Closes everything after {@code cause} ended a build half-way: failures of the close are added to {@code cause}
     * as suppressed, so the first failure stays the one the caller sees.
     */
    public void closeAfter(Throwable cause) {
        try {
            close();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }
}
