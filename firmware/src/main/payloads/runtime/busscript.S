/*
 * void bus_script_run(struct bus_op *ops): runs a list of bus cycles from RAM (see busscript.h).
 *
 * This routine lives in .ramtext (copied to RAM by _start) and touches nothing in flash0 except through the
 * listed cycles, so a script may put flash0 - the bank the payload's code lives in - into any command mode.
 * It is a leaf: no calls, no literal pools, no stack.
 */
#include "layout.h"

#define OP_END  0
#define OP_W8   1
#define OP_W16  2
#define OP_W32  3
#define OP_W64  4
#define OP_R8   5
#define OP_R16  6
#define OP_R32  7
#define OP_R64  8

    .section .ramtext, "ax"
    .balign 8
    .global bus_script_run
    .type   bus_script_run, %function
bus_script_run:
1:  ldr     w2, [x0]            /* op */
    ldr     x3, [x0, #8]        /* address */
    ldr     x4, [x0, #16]       /* value (written back for reads) */
    cbz     w2, 9f
    cmp     w2, #OP_W8
    b.ne    2f
    strb    w4, [x3]
    b       8f
2:  cmp     w2, #OP_W16
    b.ne    3f
    strh    w4, [x3]
    b       8f
3:  cmp     w2, #OP_W32
    b.ne    4f
    str     w4, [x3]
    b       8f
4:  cmp     w2, #OP_W64
    b.ne    5f
    str     x4, [x3]
    b       8f
5:  cmp     w2, #OP_R8
    b.ne    6f
    ldrb    w4, [x3]
    b       7f
6:  cmp     w2, #OP_R16
    b.ne    61f
    ldrh    w4, [x3]
    b       7f
61: cmp     w2, #OP_R32
    b.ne    62f
    ldr     w4, [x3]
    b       7f
62: ldr     x4, [x3]            /* OP_R64 */
7:  str     x4, [x0, #16]
8:  dsb     sy
    add     x0, x0, #24
    b       1b
9:  ret
