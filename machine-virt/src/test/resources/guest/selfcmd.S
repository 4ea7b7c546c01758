// Linked at 0x0, runs from the ROM device it commands. If x7 != 0, first installs the vector table at x7.
// Writes the query command to its own bank; the next block is fetched from the device in query mode.
// x20 counts the handler's visits (the handler lives in RAM, see vectors.S). Exits with code 42.
    .include "common.inc"
    .global _start
_start:
    cbz x7, 1f
    msr vbar_el1, x7
1:  mov x20, #0
    mov x0, #0
    mov w2, #0x98
    str w2, [x0]
    b faulting
faulting:
    mov x21, #1
    mov x2, #42
    exit_with x2
    .ltorg
