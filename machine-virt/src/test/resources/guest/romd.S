// Runs from RAM; x0 = ROM device base. Straight-line: array read, query mode, array again.
// x10 = array word, x11 = word in query mode (same block as the command), x12 = array word after 0xFF,
// x13 = query word read in a later block, x14 = array word in a later block.
    .include "common.inc"
    .global _start
_start:
    ldr w10, [x0]
    mov w2, #0x98
    str w2, [x0]
    ldr w11, [x0]
    mov w2, #0xff
    str w2, [x0]
    ldr w12, [x0]
    mov w2, #0x98
    str w2, [x0]
    b 1f
1:  ldr w13, [x0, #0x40]
    mov w2, #0xff
    str w2, [x0]
    b 2f
2:  ldr w14, [x0]
    mov x2, #0
    exit_with x2
    .ltorg
