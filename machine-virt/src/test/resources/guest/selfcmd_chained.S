// Linked at 0x0, runs from the ROM device it may command; called with w2 = the command to write to its own bank.
// With 0xff (read array) nothing changes and both blocks are translated and chained; with 0x98 the chained jump must
// not reach the block translated from the array view: the next block is fetched in query mode.
// Sets x21 = 1 and returns if it got there through array mode.
    .include "common.inc"
    .global _start
_start:
    str w2, [x0]
    b after
after:
    mov x21, #1
    ret
