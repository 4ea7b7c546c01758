/*
 * A tiny check/report API. Output, one line each:
 *
 *   # scenario NAME
 *   ok N - NAME: what
 *   not ok N - NAME: what: expected 0x... got 0x...
 *   -- NAME: pass                       (or: -- NAME: FAIL (k of n checks failed))
 *   note KEY: VALUE                     (an observation that is not a check, e.g. which documented behaviour)
 *   summary: S scenarios, C checks, F failed
 *
 * report_finish() prints the summary and returns EXIT_PASS only if every check passed (else EXIT_CHECK_FAILED).
 */
#ifndef VIRTFLASH_CHECK_H
#define VIRTFLASH_CHECK_H

#include "runtime.h"

void scenario(const char *name);
void scenario_end(void);
int check_eq(const char *what, uint64_t expected, uint64_t got, int digits);
int check_true(const char *what, int cond);
/* Every 32-bit word of [a, a + bytes) equals fill; reports the first mismatch. */
int check_fill32(const char *what, uintptr_t a, uint32_t bytes, uint32_t fill);
/* Word i of [a, a + 4n) equals pattern_word(seed, i); reports the first mismatch. */
int check_pattern32(const char *what, uintptr_t a, uint32_t n, uint32_t seed);
void note(const char *key, const char *value);
int report_finish(void);

#define check8(what, e, g)  check_eq((what), (e), (g), 2)
#define check16(what, e, g) check_eq((what), (e), (g), 4)
#define check32(what, e, g) check_eq((what), (e), (g), 8)
#define check64(what, e, g) check_eq((what), (e), (g), 16)

#endif
