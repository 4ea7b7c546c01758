package dev.virtflash.app.cli;

import java.nio.file.Path;

/**
 * Where the PL011 console goes ({@code -serial}).
 *
 * @param kind where
 * @param file the file for {@link Kind#FILE}, else {@code null}
 */
public record SerialSpec(Kind kind, Path file) {

    /** The {@code -serial} back-ends we have. */
    public enum Kind {
        /** {@code stdio} (also {@code mon:stdio}, without a monitor): output to stdout, input from stdin. */
        STDIO,
        /** {@code file:PATH}: output written to the file (created or truncated), no input. */
        FILE,
        /** {@code null} or {@code none}: output dropped, no input. */
        NULL
    }

    /** The default: stdio. */
    public static final SerialSpec STDIO = new SerialSpec(Kind.STDIO, null);

    public SerialSpec {
        if ((kind == Kind.FILE) != (file != null)) {
            throw new IllegalArgumentException("a file is needed exactly for -serial file:PATH");
        }
    }
}
