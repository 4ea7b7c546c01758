// Runs from RAM; x0 = ROM device base. Stores of every shape into the device, then exit 0.
    .include "common.inc"
    .global _start
_start:
    ldr x1, =0x1122334455667788
    ldr x2, =0x99aabbccddeeff00
    str x1, [x0, #0x100]        // 8 bytes, aligned
    add x5, x0, #0x201
    str w1, [x5]                // 4 bytes at an odd address
    stp x1, x2, [x0, #0x1f0]    // pair: two 8-byte stores
    strb w1, [x0, #0x400]
    strh w1, [x0, #0x402]
    mov x2, #0
    exit_with x2
    .ltorg
