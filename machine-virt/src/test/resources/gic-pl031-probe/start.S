    .globl _start
_start:
    ldr x0, =0x40400000
    mov sp, x0
    bl main
    ldr x0, =0x84000008
    hvc #0
1:  b 1b
