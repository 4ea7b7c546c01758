// Counts forever: x3 and x4 are equal at every block boundary (checked by the precise-stop test).
    .global _start
_start:
    mov x3, #0
    mov x4, #0
1:  add x3, x3, #1
    add x5, x5, #7
    eor x6, x6, x5
    add x4, x4, #1
    b 1b
