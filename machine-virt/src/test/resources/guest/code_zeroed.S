// Builds QEMU's code bitmap for a page (data writes to a page holding code), then zeroes the code's block with
// DC ZVA and calls it again: x21 = 99 if the zeroed code still ran (stale translation), else the undefined
// instruction is reported (the test machine has no vector table).
    .include "common.inc"
    .global _start, target
_start:
    adr x1, target
    ldr w2, =0xd2800020         // mov x0, #1
    ldr w3, =0xd65f03c0         // ret
    str w2, [x1]
    str w3, [x1, #4]
    blr x1
    mov x19, x0
    mov x5, #40
1:  str w5, [x1, #512]          // data writes in the same page: builds the code bitmap
    subs x5, x5, #1
    b.ne 1b
    blr x1
    mov x20, x0
    dc zva, x1
    dsb ish
    isb
    mov x0, #99
    blr x1                      // zeros: UDF #0 unless the old translation runs
    mov x21, x0
    mov x2, #0
    exit_with x2
    .ltorg
    .balign 4096
target:
    .space 4096
