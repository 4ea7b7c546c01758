// Waits for an interrupt that never comes (the binding delivers none), then spins.
    .global _start, after
_start:
    mov x3, #1
    wfi
after:
    mov x3, #2
    b .
