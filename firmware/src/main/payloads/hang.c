/* A payload that never ends: the runner's timeout must stop it. */
#include "runtime.h"

int main(void)
{
    con_line("hang: spinning forever");
    for (;;) {
        __asm__ volatile("" : : : "memory");
    }
}
