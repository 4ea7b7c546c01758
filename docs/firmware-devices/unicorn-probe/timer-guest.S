    .text
    .global _start
_start:
    b start
done:
    b done
    .balign 0x800
vectors:
    .rept 5
    .balign 0x80
    b unexpected
    .endr
    .balign 0x80          // +0x280: IRQ, current EL with SPx
    b irq
    .balign 0x80
    b fiq
    .rept 9
    .balign 0x80
    b unexpected
    .endr
unexpected:
    mov x20, #0xdead
    mrs x21, esr_el1
    b done
irq:
    add x22, x22, #1
    mrs x23, cntv_ctl_el0
    mov x0, #2             // IMASK to stop re-firing
    msr cntv_ctl_el0, x0
    eret
fiq:
    add x24, x24, #1
    eret
// x0 = mode: 0 = measure loop; 1 = virtual timer ISTATUS poll; 2 = phys timer poll; 3 = virtual timer with IRQs unmasked
start:
    adr x1, vectors
    msr vbar_el1, x1
    isb
    mov x22, #0
    mov x24, #0
    cmp x0, #0
    b.eq measure
    cmp x0, #1
    b.eq vpoll
    cmp x0, #2
    b.eq ppoll
    b virq
measure:          // x1 = iterations; x10 = cntvct before, x11 after, x12/x13 cntpct
    mrs x10, cntvct_el0
    mrs x12, cntpct_el0
1:  subs x2, x2, #1
    b.ne 1b
    isb
    mrs x11, cntvct_el0
    mrs x13, cntpct_el0
    b done
vpoll:            // x2 = delta ticks, x3 = max polls; out: x10 = cntvct at arm, x11 = polls used, x12 = ctl seen, x13 = cntvct at end
    mrs x10, cntvct_el0
    add x4, x10, x2
    msr cntv_cval_el0, x4
    mov x5, #1
    msr cntv_ctl_el0, x5
    isb
    mov x11, #0
2:  mrs x12, cntv_ctl_el0
    tbnz x12, #2, 3f
    add x11, x11, #1
    cmp x11, x3
    b.ne 2b
3:  mrs x13, cntvct_el0
    b done
ppoll:
    mrs x10, cntpct_el0
    add x4, x10, x2
    msr cntp_cval_el0, x4
    mov x5, #1
    msr cntp_ctl_el0, x5
    isb
    mov x11, #0
4:  mrs x12, cntp_ctl_el0
    tbnz x12, #2, 5f
    add x11, x11, #1
    cmp x11, x3
    b.ne 4b
5:  mrs x13, cntpct_el0
    b done
virq:             // arm virtual timer, unmask IRQ, spin x3 iterations; x22 counts IRQs
    mrs x10, cntvct_el0
    add x4, x10, x2
    msr cntv_cval_el0, x4
    mov x5, #1
    msr cntv_ctl_el0, x5
    msr daifclr, #3
    isb
    mov x11, #0
6:  add x11, x11, #1
    cmp x11, x3
    b.ne 6b
    mrs x12, cntv_ctl_el0
    mrs x13, cntvct_el0
    b done
