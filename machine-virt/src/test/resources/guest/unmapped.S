// x0 = 0: load from x9; 1: store to x9; 2: branch to x9. Labels mark the faulting instructions.
    .global _start, bad_load, bad_store, bad_branch
_start:
    mov x1, #0x1234
    cmp x0, #1
    b.eq do_store
    cmp x0, #2
    b.eq do_branch
    add x2, x2, #1
bad_load:
    ldr w3, [x9]
    b .
do_store:
    add x2, x2, #1
bad_store:
    str x1, [x9]
    b .
do_branch:
    add x2, x2, #1
bad_branch:
    br x9
