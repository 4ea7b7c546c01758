// Code in the middle of two pages, run, then both pages zeroed by one run of DC ZVA, block after block (the binding's
// native filter answers every block but the first of each page), then the code of page x9 (1 or 2, set by the test)
// called again: the undefined instruction is reported unless a stale translation runs (x21 = 1).
    .include "common.inc"
    .global _start, target
_start:
    adr x1, target
    add x3, x1, #0x800          // page 1, block 32
    add x4, x3, #0x1000         // page 2, block 32
    ldr w2, =0xd2800020         // mov x0, #1
    ldr w5, =0xd65f03c0         // ret
    str w2, [x3]
    str w5, [x3, #4]
    str w2, [x4]
    str w5, [x4, #4]
    blr x3
    mov x19, x0
    blr x4
    mov x20, x0
    mov x5, #40
2:  str w5, [x3, #512]          // data writes in both pages: build QEMU's code bitmaps (see code_zeroed.S)
    str w5, [x4, #512]
    subs x5, x5, #1
    b.ne 2b
    mov x6, x1
    add x7, x1, #0x2000
1:  dc zva, x6
    add x6, x6, #64
    cmp x6, x7
    b.ne 1b
    dsb ish
    isb
    mov x0, #99
    cmp x9, #2
    csel x8, x4, x3, eq
    blr x8                      // zeros: UDF #0 unless the old translation runs
    mov x21, x0
    mov x2, #0
    exit_with x2
    .ltorg
    .balign 4096
target:
    .space 8192
