/*
 * Exception dispatch (called from the RAM vector stubs in start.S, with flash0 already back in read-array mode).
 * A payload's exception_hook may handle it first (e.g. map a page and retry); then an armed trap resumes the
 * payload; anything else prints one report line and ends the run with EXIT_EXCEPTION.
 */
#include "runtime.h"

static struct trap *armed;
static int reporting;
int (*exception_hook)(struct exc_frame *f);

void trap_arm(struct trap *t)
{
    t->taken = 0;
    t->esr = t->elr = t->far = t->kind = 0;
    armed = t;
}

void trap_disarm(void)
{
    armed = 0;
}

static const char *const kind_names[16] = {
    "synchronous (current EL, SP0)", "IRQ (current EL, SP0)", "FIQ (current EL, SP0)", "SError (current EL, SP0)",
    "synchronous", "IRQ", "FIQ", "SError",
    "synchronous (lower EL, AArch64)", "IRQ (lower EL, AArch64)", "FIQ (lower EL, AArch64)",
    "SError (lower EL, AArch64)",
    "synchronous (lower EL, AArch32)", "IRQ (lower EL, AArch32)", "FIQ (lower EL, AArch32)",
    "SError (lower EL, AArch32)",
};

void exception_dispatch(struct exc_frame *f)
{
    if (exception_hook && !reporting && exception_hook(f)) {
        return;
    }
    struct trap *t = armed;
    if (t && !reporting) {
        armed = 0;
        t->taken = 1;
        t->esr = f->esr;
        t->elr = f->elr;
        t->far = f->far;
        t->kind = f->kind;
        f->elr = (uint64_t)(uintptr_t)trap_longjmp;
        f->x[0] = (uint64_t)(uintptr_t)&t->jmp;
        f->x[1] = 1;
        return;
    }
    if (reporting) {
        exit(EXIT_NESTED);
    }
    reporting = 1;
    if (!con_at_line_start()) {
        con_putc('\n');
    }
    con_puts("exception: ");
    con_puts(kind_names[f->kind & 15]);
    con_puts(" EC=");
    con_hex(ESR_EC(f->esr), 2);
    con_puts(" ESR=");
    con_hex32((uint32_t)f->esr);
    con_puts(" ELR=");
    con_hex(f->elr, 16);
    uint32_t ec = ESR_EC(f->esr);
    if (ec == EC_INSN_ABORT_LOWER || ec == EC_INSN_ABORT_SAME || ec == EC_PC_ALIGNMENT
        || ec == EC_DATA_ABORT_LOWER || ec == EC_DATA_ABORT_SAME) {
        con_puts(" FAR=");     /* only where the architecture defines it */
        con_hex(f->far, 16);
    }
    con_putc('\n');
    exit(EXIT_EXCEPTION);
}
