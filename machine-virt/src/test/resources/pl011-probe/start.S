.global _start
_start: ldr x0, =0x40200000
 mov sp, x0
 bl main_
1: b 1b
