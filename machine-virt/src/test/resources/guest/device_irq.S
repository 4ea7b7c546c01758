// Waits in WFI for SPI 0 (GIC ID 32), which only the host raises. In: x0 = GICD base, x1 = GICC base.
// Out: x20 = IRQs taken, x23 = GICC_IAR, x28 = WFIs completed; then a semihosting exit with code 0.
    .include "common.inc"
    .global _start, vectors
_start:
    adr x8, vectors
    msr vbar_el1, x8
    isb
    gic_on 0x104, 0              // ID 32
    mov x20, #0
    mov x28, #0
    msr daifclr, #2
1:  cbnz x20, 2f
    wfi
    add x28, x28, #1
    b 1b
2:  mov x2, #0
    exit_with x2

    .balign 0x800
vectors:
    .org vectors + 0x200
    b .
    .org vectors + 0x280
    ldr w23, [x1, #0xc]         // GICC_IAR
    mov w9, #1
    str w9, [x0, #0x184]        // GICD_ICENABLER1: ID 32 off (the level stays high)
    str w23, [x1, #0x10]        // GICC_EOIR
    add x20, x20, #1
    eret
    .ltorg
