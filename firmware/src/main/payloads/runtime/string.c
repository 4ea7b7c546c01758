/*
 * The few C library functions gcc may emit calls to. Byte-wise on purpose: with the MMU off every data access is
 * Device memory, where an unaligned wide access faults. Built with -fno-tree-loop-distribute-patterns so these
 * loops are not turned back into calls to themselves.
 */
#include "runtime.h"

void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    while (n--) {
        *dp++ = *sp++;
    }
    return d;
}

void *memset(void *d, int c, size_t n)
{
    unsigned char *dp = d;
    while (n--) {
        *dp++ = (unsigned char)c;
    }
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *ap = a, *bp = b;
    for (; n; n--, ap++, bp++) {
        if (*ap != *bp) {
            return *ap - *bp;
        }
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}
