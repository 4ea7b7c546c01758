/*
 * Code that commands the very bank it runs from.
 *
 * void flash_self_command(uintptr_t addr, uint32_t word):
 *   stores `word` at `addr` (a flash0 address: a command cycle to the bank this code executes from), then ISB,
 *   so the next instruction is fetched from the bus again. If the command left flash0 in a read mode other than
 *   read-array (status, identifier, CFI query), that fetch returns a status/ID/CFI word - 0x00XX00XX, which is
 *   UNDEFINED in A64 - and the CPU takes an Undefined Instruction exception (EC 0x00) with
 *   ELR = flash_self_command_fetch. In read-array mode the routine simply returns.
 *
 *   The fetch address is the first word of a 4 KiB page and the ISB the last word of the page before it. A TCG
 *   emulator (QEMU, Unicorn) links translated blocks directly only inside one page, so here the fetch after the
 *   command always goes through a fresh lookup.
 *
 * void flash_self_command_same_page(uintptr_t addr, uint32_t word):
 *   the same, with the store, the ISB and the fetch in one page. Architecturally identical; an emulator that links
 *   the block ending at the ISB to the translation of the next instruction, and does not unlink it when the bank
 *   leaves read-array mode, runs the stale (read-array) translation instead of fetching the status word.
 */
    .section .text.selfcmd, "ax"
    .balign 4096
    .fill   1024 - 2, 4, 0xd503201f          /* nops: the page before the fetch page */
    .global flash_self_command
    .type   flash_self_command, %function
flash_self_command:
    str     w1, [x0]
    isb
    .global flash_self_command_fetch
flash_self_command_fetch:                  /* first word of a page */
    nop
    ret

    .balign 64
    .global flash_self_command_same_page
    .type   flash_self_command_same_page, %function
flash_self_command_same_page:
    str     w1, [x0]
    isb
    .global flash_self_command_same_page_fetch
flash_self_command_same_page_fetch:
    nop
    ret
