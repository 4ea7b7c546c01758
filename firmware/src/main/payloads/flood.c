/* A payload that floods the console forever: the runner must bound what it keeps and stop it at its timeout. */
#include "runtime.h"

int main(void)
{
    for (uint64_t n = 0;; n++) {
        con_puts("flood: line ");
        con_dec(n);
        con_putc('\n');
    }
}
