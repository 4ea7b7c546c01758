// A long masked stretch with an IRQ pending (more blocks than the CPU polls precisely), then an idle loop as Linux's:
// WFI with IRQs masked (it returns at once: the IRQ is pending), unmask, mask again. The IRQ must be taken in the
// loop's short unmasked window. In: x0 = GICD base, x1 = GICC base. Out: x20 = IRQs taken, x23 = GICC_IAR,
// x24 = WFIs the loop ran; then a semihosting exit with code 0.
    .include "common.inc"
    .global _start, vectors
_start:
    adr x8, vectors
    msr vbar_el1, x8
    isb
    msr daifset, #2
    gic_on 0x100, 27            // PPI 27
    mov x20, #0
    mov x24, #0
    msr cntv_cval_el0, xzr
    mov x9, #1
    msr cntv_ctl_el0, x9        // condition met at once: the line rises while I is set
    mov x10, #200               // a long masked stretch: 400 blocks, two a turn (one would not stop: it resumes
1:  subs x10, x10, #1           // at its own start)
    b 2f
2:  b.ne 1b
idle:
    wfi
    add x24, x24, #1
    msr daifclr, #2
    msr daifset, #2
    cbz x20, idle
    mov x2, #0
    exit_with x2

    .balign 0x800
vectors:
    vectors_up_to_irq
    ldr w23, [x1, #0xc]         // GICC_IAR
    msr cntv_ctl_el0, xzr       // timer off: the line drops
    str w23, [x1, #0x10]        // GICC_EOIR
    add x20, x20, #1
    eret
    .org vectors + 0x300
    b .
    .ltorg
