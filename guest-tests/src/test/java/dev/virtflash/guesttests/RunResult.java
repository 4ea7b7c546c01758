package dev.virtflash.guesttests;

import java.util.List;

/**
 * How a payload run ended.
 *
 * @param exitCode    the semihosting exit code (the process exit code), or {@link #NO_EXIT_CODE} when the run was
 *                    stopped at its timeout
 * @param console     what the guest printed on the UART (bounded: a flood keeps its head and tail)
 * @param timedOut    true when the runner stopped the run at its timeout
 * @param diagnostics what the board printed besides the guest console (emulator warnings, a last PC), for failure
 *                    messages; never compared
 */
public record RunResult(int exitCode, String console, boolean timedOut, String diagnostics) {

    /** The exit code of a run stopped at its timeout. */
    public static final int NO_EXIT_CODE = -1;

    public RunResult {
        if (console == null || diagnostics == null) {
            throw new IllegalArgumentException("console and diagnostics must not be null (use \"\")");
        }
    }

    public RunResult(int exitCode, String console, boolean timedOut) {
        this(exitCode, console, timedOut, "");
    }

    /** The console split into lines (a trailing newline does not make an empty last line). */
    public List<String> lines() {
        String body = console.endsWith("\n") ? console.substring(0, console.length() - 1) : console;
        return body.isEmpty() ? List.of() : List.of(body.split("\n", -1));
    }

    /** The last {@code n} console lines, one string. */
    public String tail(int n) {
        List<String> all = lines();
        return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
    }

    /** One paragraph for a failure message: how the run ended, the console tail and the diagnostics. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append(timedOut ? "timed out" : "exit code " + exitCode)
                .append("; console tail:\n").append(tail(25));
        if (!diagnostics.isBlank()) {
            b.append("\ndiagnostics:\n").append(diagnostics.strip());
        }
        return b.toString();
    }
}
