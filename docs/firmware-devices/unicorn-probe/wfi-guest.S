    .text
    .global _start
_start:
    b start
done:
    b done
start:
    mov x10, #1
    wfi
    mov x10, #2
    wfi
    mov x10, #3
    b done
