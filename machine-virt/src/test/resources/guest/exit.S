// Ends with semihosting: x4 = operation (SYS_EXIT or SYS_EXIT_EXTENDED), x3 = reason, x2 = subcode.
    .include "common.inc"
    .global _start
_start:
    sub sp, sp, #16
    str x3, [sp]
    str x2, [sp, #8]
    mov x1, sp
    mov x0, x4
    semihost
    b .
