/* The check/report API (see check.h). All state lives in .bss (RAM). */
#include "check.h"
#include "cfi.h"

static const char *current;
static unsigned checks, failed, scenarios, scenario_checks, scenario_failed;

void scenario(const char *name)
{
    if (current) {
        scenario_end();
    }
    current = name;
    scenarios++;
    scenario_checks = scenario_failed = 0;
    con_puts("# scenario ");
    con_line(name);
}

void scenario_end(void)
{
    if (!current) {
        return;
    }
    con_puts("-- ");
    con_puts(current);
    if (scenario_checks == 0) {
        con_line(": FAIL (no checks)");
        failed++;
    } else if (scenario_failed == 0) {
        con_line(": pass");
    } else {
        con_puts(": FAIL (");
        con_dec(scenario_failed);
        con_puts(" of ");
        con_dec(scenario_checks);
        con_line(" checks failed)");
    }
    current = 0;
}

static void begin_line(int ok)
{
    checks++;
    scenario_checks++;
    if (!ok) {
        failed++;
        scenario_failed++;
        con_puts("not ");
    }
    con_puts("ok ");
    con_dec(checks);
    con_puts(" - ");
    if (current) {
        con_puts(current);
        con_puts(": ");
    }
}

int check_eq(const char *what, uint64_t expected, uint64_t got, int digits)
{
    int ok = expected == got;
    begin_line(ok);
    con_puts(what);
    if (!ok) {
        con_puts(": expected ");
        con_hex(expected, digits);
        con_puts(" got ");
        con_hex(got, digits);
    }
    con_putc('\n');
    return ok;
}

int check_true(const char *what, int cond)
{
    begin_line(cond);
    con_puts(what);
    if (!cond) {
        con_puts(": expected true got false");
    }
    con_putc('\n');
    return cond;
}

static int report_word_mismatch(const char *what, uintptr_t at, uint32_t expected, uint32_t got)
{
    begin_line(0);
    con_puts(what);
    con_puts(": at ");
    con_hex(at, 8);
    con_puts(" expected ");
    con_hex32(expected);
    con_puts(" got ");
    con_hex32(got);
    con_putc('\n');
    return 0;
}

int check_fill32(const char *what, uintptr_t a, uint32_t bytes, uint32_t fill)
{
    for (uint32_t off = 0; off < bytes; off += 4) {
        uint32_t v = bus_r32(a + off);
        if (v != fill) {
            return report_word_mismatch(what, a + off, fill, v);
        }
    }
    return check_true(what, 1);
}

int check_pattern32(const char *what, uintptr_t a, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t v = bus_r32(a + 4 * i);
        if (v != pattern_word(seed, i)) {
            return report_word_mismatch(what, a + 4 * i, pattern_word(seed, i), v);
        }
    }
    return check_true(what, 1);
}

void note(const char *key, const char *value)
{
    con_puts("note ");
    con_puts(key);
    con_puts(": ");
    con_line(value);
}

int report_finish(void)
{
    scenario_end();
    con_puts("summary: ");
    con_dec(scenarios);
    con_puts(" scenarios, ");
    con_dec(checks);
    con_puts(" checks, ");
    con_dec(failed);
    con_line(" failed");
    return failed == 0 && checks > 0 ? EXIT_PASS : EXIT_CHECK_FAILED;
}
