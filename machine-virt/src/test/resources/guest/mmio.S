// Runs from RAM; x0 = MMIO device base. A 4-byte store, a 4-byte load, an 8-byte load and an 8-byte store.
// x5 != 0: load from offset x5 instead (the test's faulty register). x6 != 0: jump into the device.
    .include "common.inc"
    .global _start
_start:
    cbnz x6, 2f
    cbnz x5, 1f
    ldr w1, =0xcafe
    str w1, [x0]
    ldr w2, [x0, #4]
    ldr x3, [x0, #8]
    ldr x1, =0x1122334455667788
    str x1, [x0, #0x10]
    mov x4, #0
    exit_with x4
1:  ldr w2, [x0, x5]
    b .
2:  br x0
    .ltorg
