// Runs from RAM; x0 = ROM device base, x1 = iterations. Puts the device in query mode, reads x1 words, back to
// array mode, exits 0.
    .include "common.inc"
    .global _start
_start:
    mov w2, #0x98
    str w2, [x0]
1:  ldr w3, [x0, #0x40]
    subs x1, x1, #1
    b.ne 1b
    mov w2, #0xff
    str w2, [x0]
    mov x2, #0
    exit_with x2
    .ltorg
