// Runs from RAM; x0 = ROM device base (a QueryFlash). Enters its posting mode (0xE8), stores 300 words into the
// window, reads the device (x10: the writes it has received), makes an 8-byte store into the window, stores 400 more
// words (more than the device lets be posted), reads again (x11), leaves with 0xFF and exits 0.
    .include "common.inc"
    .global _start
_start:
    post_words 300                  // word i at window + 4i, value i
    ldr w10, [x0]
    ldr x1, =0x1122334455667788
    str x1, [x3, #0xc00]
    mov x4, #0
2:  add x5, x4, #0x1000
    str w5, [x3, x4, lsl #2]        // word i at window + 4i again, value 0x1000 + i
    add x4, x4, #1
    cmp x4, #400
    b.ne 2b
    ldr w11, [x0]
    mov w1, #0xff
    str w1, [x0]
    mov x2, #0
    exit_with x2
    .ltorg
