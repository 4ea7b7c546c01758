#include <stdint.h>
#define UART 0x09000000UL
static inline uint32_t rd(unsigned off) { return *(volatile uint32_t *)(UART + off); }
static inline uint8_t rd8(unsigned off) { return *(volatile uint8_t *)(UART + off); }
static inline uint16_t rd16(unsigned off) { return *(volatile uint16_t *)(UART + off); }
static inline void wr(unsigned off, uint32_t v) { *(volatile uint32_t *)(UART + off) = v; }
static uint32_t vals[128]; static int n;
static void rec(uint32_t v) { vals[n++] = v; }
static void putc_(char c) { while (rd(0x18) & 0x20) {} wr(0, (uint8_t)c); }
static void hex(uint32_t v) { for (int i = 28; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 15]); }
void main_(void) {
  static const unsigned regs[] = {0x0,0x4,0x18,0x20,0x24,0x28,0x2c,0x30,0x34,0x38,0x3c,0x40,0x44,0x48,0x100,0xfe0,0xfe4,0xfe8,0xfec,0xff0,0xff4,0xff8,0xffc};
  for (unsigned i = 0; i < sizeof regs / 4; i++) rec(rd(regs[i]));     /* 0..22: reset values */
  wr(0x24, 0xffffffff); wr(0x28, 0xffffffff); wr(0x34, 0xffffffff); wr(0x38, 0xffffffff);
  wr(0x48, 0xfffffff0); wr(0x20, 0xffffffff); wr(0x30, 0xffff0301); wr(0x2c, 0xffffff60);
  rec(rd(0x24)); rec(rd(0x28)); rec(rd(0x34)); rec(rd(0x38)); rec(rd(0x48)); rec(rd(0x20)); rec(rd(0x30)); rec(rd(0x2c)); /* 23..30 */
  rec(rd8(0x19)); rec(rd16(0x1a)); rec(rd8(0xfe1)); /* 31..33 */
  wr(0, 'x'); rec(rd(0x3c)); rec(rd(0x40)); wr(0x44, 0x20); rec(rd(0x3c)); /* 34..36 */
  wr(0x30, 0x381); wr(0, 'L'); rec(rd(0x18)); rec(rd(0)); rec(rd(0x18)); rec(rd(0x3c)); /* 37..40 loopback */
  wr(0x30, 0x3d81); rec(rd(0x18)); rec(rd(0x3c)); /* 41..42 modem loopback */
  wr(0x30, 0x301); wr(0x38, 0); wr(0x44, 0x7ff); wr(0x2c, 0x70);
  putc_('\n');
  for (int i = 0; i < n; i++) { hex(vals[i]); putc_(i % 8 == 7 ? '\n' : ' '); }
  putc_('\n');
  register long x0 asm("x0") = 0x18; register long x1 asm("x1") = 0x20026;
  asm volatile("hlt #0xf000" :: "r"(x0), "r"(x1));
  for (;;) {}
}
