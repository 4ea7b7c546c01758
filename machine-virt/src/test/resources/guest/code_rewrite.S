// Code written, run, rewritten and run again in RAM; x19/x20/x21 = what each call returned. The third call runs
// code at a block that DC ZVA zeroed and stores then refilled.
    .include "common.inc"
    .global _start
_start:
    adr x1, target
    ldr w2, =0xd2800020         // mov x0, #1
    ldr w3, =0xd65f03c0         // ret
    str w2, [x1]
    str w3, [x1, #4]
    bl sync
    blr x1
    mov x19, x0
    ldr w2, =0xd2800040         // mov x0, #2
    str w2, [x1]
    bl sync
    blr x1
    mov x20, x0
    dc zva, x1                  // zero the block (64 bytes on the A57)
    bl sync
    ldr w2, =0xd2800060         // mov x0, #3
    ldr w3, =0xd65f03c0
    str w3, [x1, #4]
    str w2, [x1]
    bl sync
    blr x1
    mov x21, x0
    mov x2, #0
    exit_with x2
sync:
    dc cvau, x1
    dsb ish
    ic ivau, x1
    dsb ish
    isb
    ret
    .ltorg
    .balign 4096
target:
    .space 4096
