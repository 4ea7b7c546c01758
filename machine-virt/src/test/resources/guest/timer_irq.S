// Generic-timer interrupts through a GICv2. In: x0 = GICD base, x1 = GICC base, x5 = timer period in counter ticks,
// x6 = IRQs to take, x7 = 0 to wait with WFI, 1 to spin, 3 to wait in WFI with IRQs masked (WFI wakes on the
// masked, pending IRQ), then unmask.
// Out: x20 = IRQs taken, x21 = last SPSR_EL1 seen by the handler, x22 = last ELR_EL1, x23 = last GICC_IAR,
// x26 = CNTV_CTL_EL0 read in the handler, x27 = CNTV_CTL_EL0 read after the loop (timer disabled), x28 = WFIs done;
// then a semihosting exit with code 0.
    .include "common.inc"
    .global _start, vectors, irq_entry
_start:
    adr x8, vectors
    msr vbar_el1, x8
    isb
    gic_on 0x100, 27            // PPI 27
    mov x20, #0
    mov x28, #0
    mrs x9, cntvct_el0
    add x9, x9, x5
    msr cntv_cval_el0, x9
    mov x9, #1
    msr cntv_ctl_el0, x9        // enabled, unmasked
    cmp x7, #3
    b.eq masked_wfi
    msr daifclr, #2
wait:
    cmp x20, x6
    b.hs done
    cbz x7, sleep
    add x25, x25, #1
    b wait
sleep:
    wfi
    add x28, x28, #1
    b wait
masked_wfi:
    wfi                         // wakes on the pending (masked) IRQ
    add x28, x28, #1
    mrs x9, cntv_ctl_el0
    tbz x9, #2, masked_wfi      // ISTATUS not yet set: a spurious wake-up
    msr daifclr, #2
    b wait
done:
    msr daifset, #2
    mov x9, #0
    msr cntv_ctl_el0, x9
    mrs x27, cntv_ctl_el0
    mov x2, #0
    exit_with x2

    .balign 0x800
vectors:
    vectors_up_to_irq
irq_entry:
    ldr w23, [x1, #0xc]         // GICC_IAR
    mrs x21, spsr_el1
    mrs x22, elr_el1
    mrs x26, cntv_ctl_el0
    mrs x9, cntv_cval_el0
    add x9, x9, x5
    msr cntv_cval_el0, x9       // next tick: drops the line
    str w23, [x1, #0x10]        // GICC_EOIR
    add x20, x20, #1
    eret
    .org vectors + 0x300
    b .
    .org vectors + 0x380
    b .
    .org vectors + 0x400
    b .
    .ltorg
