/*
 * A hostile guest: jumps to an address where nothing is mapped (0x0F000000, the hole between virt's secure-memory
 * window and the PCIe MMIO window; neither is present on this board). QEMU raises a synchronous external abort, which
 * the runtime reports (exit code 2); an emulator without such an abort must end the run with its own report naming
 * the address. Either way the run ends with a non-zero exit code, never a hang or a host crash.
 */
#include "runtime.h"

#define UNMAPPED 0x0F000000u

int main(void)
{
    con_puts("hostile-jump: branching to ");
    con_hex(UNMAPPED, 8);
    con_putc('\n');
    register uintptr_t target __asm__("x16") = UNMAPPED;
    __asm__ volatile("br %0" : : "r"(target) : "memory");
    con_line("hostile-jump: not reached");
    return 0;
}
