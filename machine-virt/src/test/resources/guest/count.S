// Counts x1 iterations of a 3-instruction loop (x3 += x2), then exits with code x3 & 0xff; x3 stays readable.
    .include "common.inc"
    .global _start
_start:
    mov x3, #0
1:  add x3, x3, x2
    subs x1, x1, #1
    b.ne 1b
    and x4, x3, #0xff
    exit_with x4
    .ltorg
