/*
 * A hostile guest: HOSTILE_WRITES stores of random width (1, 2, 4 or 8 bytes, naturally aligned) to random addresses
 * anywhere in both flash banks, including the code of this payload in flash0. Half of the values are random; the
 * other half carry a random CFI command byte in both x16 halves (erase, program, buffered program, lock, query, ...)
 * so that real command sequences start, complete and fail all over both banks. Addresses, widths and values come from
 * a 64-bit LCG with a fixed seed: every run issues the same stores.
 *
 * The store loop and the summary run from RAM (.ramtext; strings in .data) and never touch flash0 except through the
 * stores, so they survive flash0 leaving read-array mode or its code being erased or overwritten. The run ends from
 * RAM with semihosting SYS_EXIT code EXIT_HOSTILE_DONE (4): a hostile payload never reports success.
 */
#include "runtime.h"

#define HOSTILE_WRITES     20000u
#define HOSTILE_SEED       0x7A11C0DE5EEDull
#define EXIT_HOSTILE_DONE  4
#define PL011_DR           0x000
#define PL011_FR           0x018
#define PL011_FR_TXFF      (1u << 5)

/* the CFI commands (and second cycles) QEMU's pflash_cfi01 acts on; volatile keeps the table in RAM (.data): gcc
   would otherwise move a never-written table to .rodata, in flash */
static volatile uint8_t commands[] = {
    0xFF, 0xF0, 0x98, 0x90, 0x70, 0x50, 0x20, 0xD0, 0x40, 0x10, 0xE8, 0x60, 0x01, 0x2F, 0x03, 0x00,
};
static char done_msg[] = "hostile-writes: stores done: ";
static char end_msg[] = " (ending from RAM with exit code 4)\n";
static uint64_t exit_block[2];

__attribute__((section(".ramtext"), noinline))
static void ram_putc(char c)
{
    while (*(volatile uint32_t *)(uintptr_t)(PL011_BASE + PL011_FR) & PL011_FR_TXFF) {
    }
    *(volatile uint32_t *)(uintptr_t)(PL011_BASE + PL011_DR) = (uint8_t)c;
}

__attribute__((section(".ramtext"), noinline))
static void ram_puts(const char *s)
{
    while (*s) {
        ram_putc(*s++);
    }
}

__attribute__((section(".ramtext"), noinline))
static void ram_dec(uint64_t v)
{
    char buf[21];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        ram_putc(buf[--n]);
    }
}

__attribute__((section(".ramtext"), noinline, noreturn))
static void hostile_run(void)
{
    uint64_t x = HOSTILE_SEED;
    for (uint32_t i = 0; i < HOSTILE_WRITES; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t r = x >> 11;                       /* the LCG's low bits are weak: use the high ones */
        unsigned width = 1u << (r & 3);             /* 1, 2, 4, 8 */
        uintptr_t addr = (uintptr_t)((r >> 2) % (2ull * FLASH_BANK_SIZE)) & ~(uintptr_t)(width - 1);
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t value = x;
        if ((r >> 40) & 1) {
            uint32_t c = commands[(x >> 60) & 15];
            value = ((uint64_t)c << 48) | ((uint64_t)c << 32) | ((uint64_t)c << 16) | c;
        }
        switch (width) {
        case 1:
            __asm__ volatile("strb %w0, [%1]" : : "r"((uint32_t)value), "r"(addr) : "memory");
            break;
        case 2:
            __asm__ volatile("strh %w0, [%1]" : : "r"((uint32_t)value), "r"(addr) : "memory");
            break;
        case 4:
            __asm__ volatile("str %w0, [%1]" : : "r"((uint32_t)value), "r"(addr) : "memory");
            break;
        default:
            __asm__ volatile("str %0, [%1]" : : "r"(value), "r"(addr) : "memory");
            break;
        }
    }
    ram_puts(done_msg);
    ram_dec(HOSTILE_WRITES);
    ram_puts(end_msg);
    volatile uint64_t *block = exit_block;   /* two stores of immediates, not a copy from .rodata */
    block[0] = SEMIHOST_ADP_APPLICATION_EXIT;
    block[1] = EXIT_HOSTILE_DONE;
    register uint64_t x0 __asm__("x0") = SEMIHOST_SYS_EXIT;
    register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
    __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    for (;;) {
        __asm__ volatile("wfi");
    }
}

int main(void)
{
    con_puts("hostile-writes: ");
    con_dec(HOSTILE_WRITES);
    con_line(" random stores to both flash banks, from RAM");
    hostile_run();
}
