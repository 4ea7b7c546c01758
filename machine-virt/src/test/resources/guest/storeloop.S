// x2 iterations of a store to [x1] (x5 = 1) or a load (x5 = 0); then exit.
    .include "common.inc"
    .global _start
_start:
    cbz x5, 2f
1:  str x0, [x1]
    subs x2, x2, #1
    b.ne 1b
    b 3f
2:  ldr x0, [x1]
    subs x2, x2, #1
    b.ne 2b
3:  mov x2, #0
    exit_with x2
