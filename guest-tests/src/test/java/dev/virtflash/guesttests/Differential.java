package dev.virtflash.guesttests;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares the runs of one payload on two boards: the same exit code, the same way of ending, and the same console
 * line for line, except for the note lines of the documented differences one board has and the other has not
 * ({@link KnownDifference}); and each of those note lines must say what its board is documented to show.
 */
final class Differential {

    private static final Pattern NOTE = Pattern.compile("^note (\\S+): (.*)$");

    private Differential() {
    }

    /** The documented differences that one runner shows and the other does not. */
    static Set<KnownDifference> between(PayloadRunner a, PayloadRunner b) {
        Set<KnownDifference> only = EnumSet.noneOf(KnownDifference.class);
        for (KnownDifference d : KnownDifference.values()) {
            if (a.knownDifferences().contains(d) != b.knownDifferences().contains(d)) {
                only.add(d);
            }
        }
        return only;
    }

    /** Every way the two runs differ beyond the documented differences; empty when they agree. */
    static List<String> mismatches(PayloadRunner a, RunResult ra, PayloadRunner b, RunResult rb) {
        List<String> out = new ArrayList<>();
        Set<KnownDifference> differences = between(a, b);
        if (ra.timedOut() != rb.timedOut()) {
            out.add("timed out: " + a.name() + " " + ra.timedOut() + ", " + b.name() + " " + rb.timedOut());
        }
        if (ra.exitCode() != rb.exitCode()) {
            out.add("exit code: " + a.name() + " " + ra.exitCode() + ", " + b.name() + " " + rb.exitCode());
        }
        List<String> la = List.of(ScenarioReport.comparableConsole(ra, differences).split("\n", -1));
        List<String> lb = List.of(ScenarioReport.comparableConsole(rb, differences).split("\n", -1));
        for (int i = 0; i < Math.max(la.size(), lb.size()); i++) {
            String x = i < la.size() ? la.get(i) : "(no line)";
            String y = i < lb.size() ? lb.get(i) : "(no line)";
            if (!x.equals(y)) {
                out.add("console line " + (i + 1) + ": " + a.name() + " '" + x + "', " + b.name() + " '" + y + "'");
                break;
            }
        }
        out.addAll(undocumentedNotes(a, ra, differences));
        out.addAll(undocumentedNotes(b, rb, differences));
        List<String> keysA = noteKeys(ra, differences);
        List<String> keysB = noteKeys(rb, differences);
        if (!keysA.equals(keysB)) {
            out.add("notes of the documented differences: " + a.name() + " " + keysA + ", " + b.name() + " "
                    + keysB);
        }
        return out;
    }

    /** Note lines of the given differences whose value is not the one {@code runner} is documented to show. */
    private static List<String> undocumentedNotes(PayloadRunner runner, RunResult r, Set<KnownDifference> differences) {
        List<String> out = new ArrayList<>();
        for (String line : r.lines()) {
            Matcher m = NOTE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            for (KnownDifference d : differences) {
                if (d.noteKeys().contains(m.group(1))) {
                    String expected = d.noteLine(m.group(1), runner.knownDifferences().contains(d));
                    if (!line.equals(expected)) {
                        out.add(runner.name() + " printed '" + line + "' but is documented to print '" + expected
                                + "' (" + d + ")");
                    }
                }
            }
        }
        return out;
    }

    private static List<String> noteKeys(RunResult r, Set<KnownDifference> differences) {
        List<String> keys = new ArrayList<>();
        for (String line : r.lines()) {
            Matcher m = NOTE.matcher(line);
            if (m.matches() && differences.stream().anyMatch(d -> d.noteKeys().contains(m.group(1)))) {
                keys.add(m.group(1));
            }
        }
        return keys;
    }

    /** A failure message: the mismatches, then both runs described. */
    static String explain(List<String> mismatches, PayloadRunner a, RunResult ra, PayloadRunner b, RunResult rb) {
        return String.join("\n", mismatches) + "\n--- " + a.name() + ": " + ra.describe() + "\n--- " + b.name()
                + ": " + rb.describe();
    }
}
