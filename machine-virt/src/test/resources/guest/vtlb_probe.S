// Probe of Unicorn 2.1.1's virtual TLB (UnicornVirtualTlbTest): which guest actions make it ask the TLB-fill
// hook again, and where PC is when the hook refuses a page. x2 = a data page the hook maps; x1 = one it refuses.
    .text
    .global _start, data_fault, after_flushes, el0_code, el0_done, stale_fn, caller, called
_start:
    mov x5, #7
data_fault:
    ldr x0, [x1, #8]            // the hook refuses x1's page: the run stops here
    .global resume
resume:
    ldr x0, [x2]                // fill 1
    ldr x0, [x2]                // TLB hit
    tlbi vmalle1
    dsb sy
    isb
    ldr x0, [x2]                // fill 2 (TLBI VMALLE1)
    lsr x6, x2, #12
    tlbi vae1, x6
    dsb sy
    isb
    ldr x0, [x2]                // fill 3 (TLBI VAE1)
    mrs x7, ttbr0_el1
    add x7, x7, #0x1000         // same ASID, new table address
    msr ttbr0_el1, x7
    isb
    ldr x0, [x2]                // fill 4 only if a TTBR0 write without ASID change flushes
    mov x8, #1
    lsl x8, x8, #48
    add x7, x7, x8              // ASID + 1
    msr ttbr0_el1, x7
    isb
    ldr x0, [x2]                // fill if an ASID change flushes
    mrs x7, tcr_el1
    msr tcr_el1, x7
    isb
    ldr x0, [x2]                // fill if a TCR write flushes
    mrs x7, sctlr_el1
    msr sctlr_el1, x7
    isb
    ldr x0, [x2]                // fill if an SCTLR write flushes
after_flushes:
    // to EL0 at el0_code
    adr x9, el0_code
    msr elr_el1, x9
    msr spsr_el1, xzr
    eret
el0_code:
    ldr x0, [x2]                // at EL0: another mmu_idx, another fill
el0_done:
    b el0_done

caller:                         // calls the page of stale_fn at its second virtual address 0x7000_0000
    mov x9, #0x70000000
    blr x9
called:
    b called

    .balign 4096
stale_fn:
    mov x0, #1
    ret
