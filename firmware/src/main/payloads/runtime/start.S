/*
 * Entry point, exception vectors and the few routines that must be assembly.
 *
 * The CPU starts at 0x0 (flash0) at EL1 with the MMU off. _start copies .data (which also holds the vector
 * table and the RAM code) from flash to RAM, zeroes .bss, points VBAR_EL1 at the RAM vectors and calls main().
 */
#include "layout.h"

    .section .text.start, "ax"
    .global _start
_start:
    msr     daifset, #0xf
    ldr     x0, =__stack_top
    mov     sp, x0
    /* .data: flash -> RAM, 8 bytes at a time (MMU off: Device memory, keep every access aligned) */
    ldr     x0, =__data_start
    ldr     x1, =__data_end
    ldr     x2, =__data_load
1:  cmp     x0, x1
    b.hs    2f
    ldr     x3, [x2], #8
    str     x3, [x0], #8
    b       1b
2:  ldr     x0, =__bss_start
    ldr     x1, =__bss_end
3:  cmp     x0, x1
    b.hs    4f
    str     xzr, [x0], #8
    b       3b
4:  ldr     x0, =vector_table
    msr     vbar_el1, x0
    /* RAM now holds code (vectors, RAM routines): make sure no stale instruction is fetched */
    ic      iallu
    dsb     sy
    isb
    bl      main
    bl      exit
5:  b       5b
    .ltorg

/*
 * uint64_t semihost_call(uint32_t op, uint64_t param): Arm semihosting, A64 spelling.
 */
    .text
    .global semihost_call
    .type   semihost_call, %function
semihost_call:
    hlt     #0xf000
    ret

/*
 * int trap_setjmp(struct trap_jmp *j) / void trap_longjmp(struct trap_jmp *j, int v):
 * a minimal setjmp/longjmp (callee-saved x19..x30 and sp). The exception handler resumes an armed trap by
 * returning (eret) into trap_longjmp.
 */
    .global trap_setjmp
    .type   trap_setjmp, %function
trap_setjmp:
    stp     x19, x20, [x0, #0]
    stp     x21, x22, [x0, #16]
    stp     x23, x24, [x0, #32]
    stp     x25, x26, [x0, #48]
    stp     x27, x28, [x0, #64]
    stp     x29, x30, [x0, #80]
    mov     x2, sp
    str     x2, [x0, #96]
    mov     w0, #0
    ret

    .global trap_longjmp
    .type   trap_longjmp, %function
trap_longjmp:
    ldp     x19, x20, [x0, #0]
    ldp     x21, x22, [x0, #16]
    ldp     x23, x24, [x0, #32]
    ldp     x25, x26, [x0, #48]
    ldp     x27, x28, [x0, #64]
    ldp     x29, x30, [x0, #80]
    ldr     x2, [x0, #96]
    mov     sp, x2
    mov     w0, w1
    ret

/*
 * The exception vector table, in RAM. Every entry saves a frame (struct exc_frame in runtime.h), puts flash0
 * back into read-array mode (a 32-bit 0x00FF00FF cycle at 0x0: harmless in read-array mode, and needed when the
 * exception came from fetching status/CFI words out of flash0), and calls exception_dispatch(frame) in flash.
 * The dispatcher either ends the run, or edits the frame (ELR, x0, x1) to resume an armed trap.
 */
    .section .vectors, "ax"
    .balign 2048
    .global vector_table
vector_table:
    .irp kind, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    .balign 128
    sub     sp, sp, #EXC_FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x1, #\kind
    b       exception_entry
    .endr

    .balign 128
exception_entry:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    str     x30, [sp, #240]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #EXC_FRAME_ELR]
    mrs     x2, esr_el1
    mrs     x3, far_el1
    stp     x2, x3, [sp, #EXC_FRAME_ESR]
    str     x1, [sp, #EXC_FRAME_KIND]
    /* flash0 back to read-array before any flash code runs */
    mov     x2, #FLASH0_BASE
    mov     w3, #0x00ff
    movk    w3, #0x00ff, lsl #16
    str     w3, [x2]
    dsb     sy
    isb
    mov     x0, sp
    movz    x2, #:abs_g1:exception_dispatch
    movk    x2, #:abs_g0_nc:exception_dispatch
    blr     x2
    ldp     x2, x3, [sp, #EXC_FRAME_ELR]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldr     x30, [sp, #240]
    add     sp, sp, #EXC_FRAME_SIZE
    eret
