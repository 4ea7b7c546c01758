/* Console output on the PL011 at 0x09000000: polled transmit only (no interrupts, no FIFO set-up needed). */
#include "runtime.h"

#define PL011_DR    0x000
#define PL011_FR    0x018
#define PL011_FR_TXFF (1u << 5)

static int at_line_start = 1;

int con_at_line_start(void)
{
    return at_line_start;
}

void con_putc(char c)
{
    at_line_start = c == '\n';
    while (bus_r32(PL011_BASE + PL011_FR) & PL011_FR_TXFF) {
    }
    bus_w32(PL011_BASE + PL011_DR, (uint8_t)c);
}

void con_puts(const char *s)
{
    while (*s) {
        con_putc(*s++);
    }
}

void con_line(const char *s)
{
    con_puts(s);
    con_putc('\n');
}

void con_hex(uint64_t v, int digits)
{
    con_puts("0x");
    for (int i = digits - 1; i >= 0; i--) {
        con_putc("0123456789abcdef"[(v >> (4 * i)) & 0xf]);
    }
}

void con_hex32(uint32_t v)
{
    con_hex(v, 8);
}

void con_dec(uint64_t v)
{
    char buf[21];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        con_putc(buf[--n]);
    }
}
