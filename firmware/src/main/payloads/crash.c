/*
 * A payload that crashes on purpose: it runs an undefined instruction with no trap armed. The runtime's vector
 * entry prints one report line (exception class, ESR, ELR, FAR) and exits with EXIT_EXCEPTION (2).
 */
#include "runtime.h"

int main(void)
{
    con_line("crash: executing udf #0xdead");
    __asm__ volatile("udf #0xdead");
    con_line("crash: not reached");
    return 0;
}
