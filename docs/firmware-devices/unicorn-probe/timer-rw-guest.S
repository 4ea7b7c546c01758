    .text
    .global _start
_start:
    b start
done:
    b done
start:
    mrs x10, cntv_ctl_el0        // sees host-written value?
    mrs x11, cntv_cval_el0
    mov x1, #0x4321
    msr cntv_cval_el0, x1
    isb
    mrs x12, cntv_cval_el0
    mov x1, #1
    msr cntv_ctl_el0, x1
    isb
    mrs x13, cntv_ctl_el0
    mov x1, #0x777
    msr cntp_cval_el0, x1
    mrs x14, cntp_cval_el0
    mov x1, #1
    msr cntp_ctl_el0, x1
    mrs x15, cntp_ctl_el0
    mov x1, #5000
    msr cntv_tval_el0, x1
    mrs x16, cntv_tval_el0
    mrs x17, cntv_cval_el0
    mrs x18, cntvct_el0
    mrs x19, CurrentEL
    b done
