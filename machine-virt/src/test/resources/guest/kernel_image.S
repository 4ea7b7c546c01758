// A tiny arm64 "Image" (the Linux boot header, text_offset 0) for the -kernel tests: prints, on the PL011, what the
// boot loader handed it (x0 = device tree, x1..x3), where it runs, its exception level, the device tree's size
// and the first 8 bytes at 0x44000000 (the initrd, when there is one), then powers off through PSCI.
    .text
    .global _start
_start:
    b real                  // code0
    .word 0                 // code1
    .quad 0                 // text_offset
    .quad _end - _start     // image_size
    .quad 0xa               // flags: little-endian, 4 KiB pages, anywhere
    .quad 0, 0, 0           // reserved
    .ascii "ARM\x64"        // magic
    .word 0                 // reserved
real:
    mov x19, x0
    mov x21, x1
    mov x22, x2
    mov x23, x3
    adr x20, _start
    mov x0, x19
    bl hex
    orr x0, x21, x22
    orr x0, x0, x23
    bl hex
    mov x0, x20
    bl hex
    mrs x0, CurrentEL
    bl hex
    ldr w0, [x19, #4]       // fdt totalsize (big-endian)
    rev w0, w0
    bl hex
    ldr x0, =0x44000000
    ldr x0, [x0]
    bl hex
    ldr x0, =0x84000008     // PSCI SYSTEM_OFF
    hvc #0
1:  b 1b

hex:                        // x0 as 16 hex digits and a newline
    ldr x1, =0x09000000
    mov x2, #60
2:  lsr x3, x0, x2
    and x3, x3, #15
    cmp x3, #10
    add x4, x3, #'0'
    add x5, x3, #('a' - 10)
    csel x3, x4, x5, lo
    str w3, [x1]
    subs x2, x2, #4
    b.pl 2b
    mov w3, #10
    str w3, [x1]
    ret
    .ltorg
    .balign 8
_end:
