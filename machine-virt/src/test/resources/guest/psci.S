// PSCI through HVC (x6 = 0) or SMC (x6 != 0): x19 = PSCI_VERSION, x20 = FEATURES(SYSTEM_OFF),
// x21 = FEATURES(CPU_ON), x22 = an unknown function's answer, then calls function x5 (SYSTEM_OFF or RESET).
    .include "common.inc"
    .global _start
_start:
    ldr x0, =0x84000000
    bl call
    mov x19, x0
    ldr x0, =0x8400000a
    ldr x1, =0x84000008
    bl call
    mov x20, x0
    ldr x0, =0x8400000a
    ldr x1, =0xc4000003
    bl call
    mov x21, x0
    ldr x0, =0x8400ff00
    bl call
    mov x22, x0
    mov x0, x5
    bl call
    // not reached when x5 is SYSTEM_OFF or SYSTEM_RESET
    mov x2, #99
    exit_with x2
call:
    cbnz x6, 1f
    hvc #0
    ret
1:  smc #0
    ret
    .ltorg
