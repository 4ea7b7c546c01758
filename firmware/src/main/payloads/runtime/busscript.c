/* Building bus scripts (the interpreter itself is RAM code in busscript.S). */
#include "busscript.h"

void bs_init(struct bus_script *s)
{
    s->n = 0;
    s->overflow = 0;
    s->ops[0].op = BUS_END;
}

int bs_add(struct bus_script *s, enum bus_op_kind op, uintptr_t addr, uint64_t value)
{
    if (s->n >= BUS_SCRIPT_MAX - 1) {     /* keep room for the final read-array cycle */
        s->overflow = 1;
        return 0;
    }
    int i = s->n++;
    s->ops[i].op = op;
    s->ops[i].pad = 0;
    s->ops[i].addr = addr;
    s->ops[i].value = value;
    s->ops[s->n].op = BUS_END;
    return i;
}

int bs_run(struct bus_script *s)
{
    if (s->overflow) {
        return 0;
    }
    int i = s->n++;
    s->ops[i].op = BUS_W32;
    s->ops[i].addr = FLASH0_BASE;
    s->ops[i].value = 0x00ff00ff;
    s->ops[s->n].op = BUS_END;
    __asm__ volatile("dsb sy" : : : "memory");
    bus_script_run(s->ops);
    return 1;
}
