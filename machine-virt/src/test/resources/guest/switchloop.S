// Runs from RAM; x0 = ROM device base, x1 = iterations. Each iteration enters query mode, reads, returns to array
// mode and reads in the next block: two mapping switches per iteration. Exits 0.
    .include "common.inc"
    .global _start
_start:
1:  mov w2, #0x98
    str w2, [x0]
    ldr w3, [x0, #0x40]
    mov w2, #0xff
    str w2, [x0]
    b 2f
2:  ldr w4, [x0]
    subs x1, x1, #1
    b.ne 1b
    mov x2, #0
    exit_with x2
    .ltorg
