// Prints through SYS_WRITE0 and SYS_WRITEC, then exits with code 0.
    .include "common.inc"
    .global _start
_start:
    adr x1, greeting
    mov w0, #SYS_WRITE0
    semihost
    adr x1, bang
    mov w0, #SYS_WRITEC
    semihost
    adr x1, newline
    mov w0, #SYS_WRITEC
    semihost
    mov x2, #0
    exit_with x2
    .ltorg
greeting:
    .asciz "hello, semihosting"
bang:
    .byte '!'
newline:
    .byte '\n'
