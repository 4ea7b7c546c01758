/*
 * Flash throughput (issue 17, point 4): erases every block of flash1, programs all 64 MiB with buffered programs
 * (one 4 KiB window each, a pattern that differs per window), and reads all of it back, printing one line as each
 * phase ends. The console is the same on every board that behaves like QEMU's virt flash; `./bench` times the lines
 * as they arrive (launch to "flash-speed: start", then each phase) and turns them into MiB/s, ours and QEMU's.
 * Exit code 0 when every status was ready and every word read back as programmed, 1 otherwise.
 */
#include "cfi.h"

#define WINDOW_WORDS (FLASH_WINDOW_SIZE / 4)
#define SEED         0x5BEED000u

static uint32_t window[WINDOW_WORDS];
static int failed;

static void status(const char *what, uintptr_t at, uint32_t sr)
{
    if (sr != BOTH(SR_READY) && !failed++) {
        con_puts("flash-speed: ");
        con_puts(what);
        con_puts(" at ");
        con_hex(at, 8);
        con_puts(": status ");
        con_hex32(sr);
        con_putc('\n');
    }
}

int main(void)
{
    con_line("flash-speed: start");
    for (uintptr_t b = FLASH1_BASE; b < FLASH1_BASE + FLASH_BANK_SIZE; b += FLASH_BLOCK_SIZE) {
        status("erase", b, cfi_erase(b));
    }
    con_line("flash-speed: erased 64 MiB");
    for (uint32_t n = 0; n < FLASH_BANK_SIZE / FLASH_WINDOW_SIZE; n++) {
        uintptr_t a = FLASH1_BASE + (uintptr_t)n * FLASH_WINDOW_SIZE;
        for (uint32_t i = 0; i < WINDOW_WORDS; i++) {
            window[i] = pattern_word(SEED + n, i);
        }
        status("buffered program", a, cfi_buffered(a, window, WINDOW_WORDS, a));
    }
    con_line("flash-speed: programmed 64 MiB");
    for (uint32_t n = 0; n < FLASH_BANK_SIZE / FLASH_WINDOW_SIZE && !failed; n++) {
        uintptr_t a = FLASH1_BASE + (uintptr_t)n * FLASH_WINDOW_SIZE;
        for (uint32_t i = 0; i < WINDOW_WORDS; i++) {
            uint32_t got = bus_r32(a + 4 * i);
            if (got != pattern_word(SEED + n, i) && !failed++) {
                con_puts("flash-speed: read back at ");
                con_hex(a + 4 * i, 8);
                con_puts(": ");
                con_hex32(got);
                con_putc('\n');
            }
        }
    }
    con_line("flash-speed: verified 64 MiB");
    con_line(failed ? "FAIL" : "PASS");
    return failed ? EXIT_CHECK_FAILED : EXIT_PASS;
}
