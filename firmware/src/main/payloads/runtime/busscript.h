/*
 * Bus scripts: a list of bus cycles run by a RAM-resident interpreter, for sequences that put flash0 (where the
 * payload's code lives) into a command mode. Flash code cannot run then: build the script, run it, then check.
 *
 *   struct bus_script s; bs_init(&s);
 *   bs_w32(&s, FLASH0_BASE, BOTH(CFI_QUERY));
 *   int q = bs_r32(&s, FLASH0_BASE + 0x40);
 *   bs_w32(&s, FLASH0_BASE, BOTH(CFI_READ_ARRAY));
 *   bs_run(&s);                 // then s.ops[q].value holds the read
 */
#ifndef VIRTFLASH_BUSSCRIPT_H
#define VIRTFLASH_BUSSCRIPT_H

#include "runtime.h"

enum bus_op_kind { BUS_END, BUS_W8, BUS_W16, BUS_W32, BUS_W64, BUS_R8, BUS_R16, BUS_R32, BUS_R64 };
struct bus_op {
    uint32_t op;
    uint32_t pad;
    uint64_t addr;
    uint64_t value;
};
#define BUS_SCRIPT_MAX 128
struct bus_script {
    struct bus_op ops[BUS_SCRIPT_MAX + 1];
    int n;
    int overflow;
};

void bus_script_run(struct bus_op *ops);   /* in RAM (busscript.S) */

void bs_init(struct bus_script *s);
int bs_add(struct bus_script *s, enum bus_op_kind op, uintptr_t addr, uint64_t value);
static inline int bs_w32(struct bus_script *s, uintptr_t a, uint32_t v) { return bs_add(s, BUS_W32, a, v); }
static inline int bs_w64(struct bus_script *s, uintptr_t a, uint64_t v) { return bs_add(s, BUS_W64, a, v); }
static inline int bs_r32(struct bus_script *s, uintptr_t a) { return bs_add(s, BUS_R32, a, 0); }
static inline int bs_r8(struct bus_script *s, uintptr_t a) { return bs_add(s, BUS_R8, a, 0); }
static inline int bs_r64(struct bus_script *s, uintptr_t a) { return bs_add(s, BUS_R64, a, 0); }
/* Appends a read-array cycle to flash0 (so a script never leaves the code bank in a command mode) and runs it.
   Returns 0 if the script overflowed (nothing is run then). */
int bs_run(struct bus_script *s);
static inline uint64_t bs_value(const struct bus_script *s, int i) { return s->ops[i].value; }

#endif
