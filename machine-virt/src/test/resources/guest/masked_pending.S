// An IRQ that becomes pending while PSTATE.I masks it is taken right after the instruction that unmasks it.
// In: x0 = GICD base, x1 = GICC base, x7 = how to unmask: 0 MSR DAIFClr, 1 MSR DAIF (register form),
// 2 ERET to a PSTATE with I clear. The virtual timer fires at once (CVAL 0) while IRQs are masked (as at reset);
// the guest spins a while, then unmasks. Out: x20 = IRQs taken, x21 = SPSR_EL1 and x22 = ELR_EL1 in the handler,
// x23 = GICC_IAR; then a semihosting exit with code 0.
    .include "common.inc"
    .global _start, vectors, unmasked, after_msr, eret_target
_start:
    adr x8, vectors
    msr vbar_el1, x8
    isb
    msr daifset, #2
    gic_on 0x100, 27            // PPI 27
    mov x20, #0
    msr cntv_cval_el0, xzr
    mov x9, #1
    msr cntv_ctl_el0, x9        // condition met at once: the line rises while I is set
    mov x10, #1000
1:  subs x10, x10, #1
    b.ne 1b
    cmp x7, #1
    b.eq by_msr
    cmp x7, #2
    b.eq by_eret
    msr daifclr, #2
unmasked:
    nop
    b finish
by_msr:
    mrs x9, daif
    bic x9, x9, #(1 << 7)
    msr daif, x9
after_msr:
    b finish
by_eret:
    adr x9, eret_target
    msr elr_el1, x9
    mov x9, #0x305              // EL1h, D and A masked, I and F clear
    msr spsr_el1, x9
    eret
eret_target:
    nop
finish:
    mov x2, #0
    exit_with x2

    .balign 0x800
vectors:
    vectors_up_to_irq
    ldr w23, [x1, #0xc]         // GICC_IAR
    mrs x21, spsr_el1
    mrs x22, elr_el1
    msr cntv_ctl_el0, xzr       // timer off: the line drops
    str w23, [x1, #0x10]        // GICC_EOIR
    add x20, x20, #1
    eret
    .org vectors + 0x300
    b .
    .ltorg
