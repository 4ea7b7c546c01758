package dev.virtflash.app.cli;

/**
 * A mistake on the command line, with the one-line message shown to the user (it names the option or file, what was
 * found and what was expected) and the exit code: {@link #USAGE} for a malformed command line (unknown option,
 * missing value, stray argument), {@link #BAD_VALUE} for a well-formed one that cannot run (bad size, unknown
 * {@code -drive} key, missing file, conflicting options).
 */
public final class UsageException extends Exception {

    /** Exit code of a well-formed command line that cannot run. */
    public static final int BAD_VALUE = 1;
    /** Exit code of a malformed command line. */
    public static final int USAGE = 2;

    private final int exitCode;

    private UsageException(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    /** A bad value: exit code 1. */
    public static UsageException badValue(String message) {
        return new UsageException(message, BAD_VALUE);
    }

    /** A malformed command line: exit code 2. */
    public static UsageException usage(String message) {
        return new UsageException(message, USAGE);
    }

    public int exitCode() {
        return exitCode;
    }
}
