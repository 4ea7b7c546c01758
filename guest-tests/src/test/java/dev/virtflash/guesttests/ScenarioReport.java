package dev.virtflash.guesttests;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The console of a scenario payload, parsed (format: firmware's runtime/check.h).
 *
 * <pre>
 * # scenario NAME
 * ok N - NAME: what
 * not ok N - NAME: what: expected 0x.. got 0x..
 * -- NAME: pass            (or -- NAME: FAIL (k of n checks failed))
 * note KEY: VALUE
 * summary: S scenarios, C checks, F failed
 * </pre>
 */
public final class ScenarioReport {

    private static final Pattern SCENARIO = Pattern.compile("^# scenario (\\S+)$");
    private static final Pattern RESULT = Pattern.compile("^-- (\\S+): (.*)$");
    private static final Pattern NOTE = Pattern.compile("^note (\\S+): (.*)$");
    private static final Pattern NOT_OK = Pattern.compile("^not ok \\d+ - .*$");
    private static final Pattern SUMMARY = Pattern.compile("^summary: (\\d+) scenarios, (\\d+) checks, (\\d+) failed$");

    /** The summary line's numbers. */
    public record Summary(int scenarios, int checks, int failed) {
    }

    private final List<String> scenarios;
    private final Map<String, String> results;
    private final Map<String, String> notes;
    private final List<String> failures;
    private final Summary summary;

    private ScenarioReport(List<String> scenarios, Map<String, String> results, Map<String, String> notes,
                           List<String> failures, Summary summary) {
        this.scenarios = Collections.unmodifiableList(scenarios);
        this.results = Collections.unmodifiableMap(results);
        this.notes = Collections.unmodifiableMap(notes);
        this.failures = Collections.unmodifiableList(failures);
        this.summary = summary;
    }

    public static ScenarioReport parse(RunResult result) {
        List<String> scenarios = new ArrayList<>();
        Map<String, String> results = new LinkedHashMap<>();
        Map<String, String> notes = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        Summary summary = null;
        for (String line : result.lines()) {
            Matcher m;
            if ((m = SCENARIO.matcher(line)).matches()) {
                scenarios.add(m.group(1));
            } else if ((m = RESULT.matcher(line)).matches()) {
                results.put(m.group(1), m.group(2));
            } else if ((m = NOTE.matcher(line)).matches()) {
                notes.put(m.group(1), m.group(2));
            } else if (NOT_OK.matcher(line).matches()) {
                failures.add(line);
            } else if ((m = SUMMARY.matcher(line)).matches()) {
                summary = new Summary(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                        Integer.parseInt(m.group(3)));
            }
        }
        return new ScenarioReport(scenarios, results, notes, failures, summary);
    }

    /** The scenario names in the order they ran. */
    public List<String> scenarios() {
        return scenarios;
    }

    /** {@code pass}, {@code FAIL (...)}, or empty if the scenario never ended (crash, hang). */
    public Optional<String> result(String scenario) {
        return Optional.ofNullable(results.get(scenario));
    }

    /** The note lines, key to value. */
    public Map<String, String> notes() {
        return notes;
    }

    /** Every {@code not ok} line. */
    public List<String> failures() {
        return failures;
    }

    /** The {@code not ok} lines of one scenario. */
    public List<String> failures(String scenario) {
        String prefix = " - " + scenario + ": ";
        return failures.stream().filter(l -> l.contains(prefix)).collect(Collectors.toList());
    }

    public Optional<Summary> summary() {
        return Optional.ofNullable(summary);
    }

    /**
     * The console without the note lines of the given differences: what two boards must print identically when
     * they differ only in those documented ways.
     */
    public static String comparableConsole(RunResult result, Set<KnownDifference> differences) {
        Set<String> keys = differences.stream().flatMap(d -> d.noteKeys().stream()).collect(Collectors.toSet());
        return result.lines().stream()
                .filter(line -> {
                    Matcher m = NOTE.matcher(line);
                    return !(m.matches() && keys.contains(m.group(1)));
                })
                .collect(Collectors.joining("\n", "", "\n"));
    }
}
