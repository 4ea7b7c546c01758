// An EL1 vector table (linked at the RAM address the test gives) whose current-EL synchronous handler puts the
// ROM device at 0x0 back in array mode (0xFF), counts the visit in x20 and returns to the faulting instruction.
    .global _start
_start:
    .balign 0x800
vectors:
    .balign 0x80            // +0x000 current EL, SP0, synchronous
    b .
    .balign 0x80            // +0x080
    b .
    .balign 0x80            // +0x100
    b .
    .balign 0x80            // +0x180
    b .
    .balign 0x80            // +0x200 current EL, SPx, synchronous
    mov x8, #0
    mov w9, #0xff
    str w9, [x8]
    add x20, x20, #1
    mrs x22, esr_el1
    mrs x23, elr_el1
    mrs x24, spsr_el1
    eret
    .balign 0x80
    b .
