// Runs from RAM; x0 = ROM device base holding selfcmd_chained at offset 0. One query round from RAM (entering
// command mode drops the array view's translations), then back in array mode a data read of the code's page before
// any fetch from it, then the code in the device twice: with 0xff (translates and chains its blocks) and with 0x98.
// Exits 0 if the second call returns.
    .include "common.inc"
    .global _start
_start:
    mov w2, #0x98
    str w2, [x0]
    mov w2, #0xff
    str w2, [x0]
    b 1f
1:  ldr w3, [x0]
    mov w2, #0xff
    blr x0
    mov w2, #0x98
    blr x0
    mov x2, #0
    exit_with x2
    .ltorg
