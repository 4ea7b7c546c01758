/*
 * The freestanding payload runtime: bus accessors, PL011 console, semihosting, exceptions and traps.
 * Payloads define int main(void); its return value becomes the semihosting exit code.
 */
#ifndef VIRTFLASH_RUNTIME_H
#define VIRTFLASH_RUNTIME_H

#include <stdint.h>
#include <stddef.h>
#include "layout.h"

/* ---- bus accessors: exactly one load or store instruction of the named width (no merging, no splitting) ---- */

static inline uint8_t bus_r8(uintptr_t a)
{ uint32_t v; __asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(a) : "memory"); return (uint8_t)v; }
static inline uint16_t bus_r16(uintptr_t a)
{ uint32_t v; __asm__ volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(a) : "memory"); return (uint16_t)v; }
static inline uint32_t bus_r32(uintptr_t a)
{ uint32_t v; __asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory"); return v; }
static inline uint64_t bus_r64(uintptr_t a)
{ uint64_t v; __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory"); return v; }
static inline void bus_w8(uintptr_t a, uint8_t v)
{ __asm__ volatile("strb %w0, [%1]" : : "r"((uint32_t)v), "r"(a) : "memory"); }
static inline void bus_w16(uintptr_t a, uint16_t v)
{ __asm__ volatile("strh %w0, [%1]" : : "r"((uint32_t)v), "r"(a) : "memory"); }
static inline void bus_w32(uintptr_t a, uint32_t v)
{ __asm__ volatile("str %w0, [%1]" : : "r"(v), "r"(a) : "memory"); }
static inline void bus_w64(uintptr_t a, uint64_t v)
{ __asm__ volatile("str %0, [%1]" : : "r"(v), "r"(a) : "memory"); }

/* After changing code in flash or RAM, before running it (what real hardware needs). */
static inline void sync_icache(void)
{ __asm__ volatile("dsb sy\n\tic iallu\n\tdsb sy\n\tisb" : : : "memory"); }

/* ---- console (PL011 UART0, polled transmit) ---- */
void con_putc(char c);
void con_puts(const char *s);              /* no newline added */
void con_line(const char *s);              /* s + "\n" */
void con_hex(uint64_t v, int digits);      /* "0x" + exactly `digits` hex digits */
void con_hex32(uint32_t v);                /* 0x%08x */
void con_dec(uint64_t v);
int con_at_line_start(void);               /* nothing printed yet, or the last character was a newline */

/* ---- semihosting ---- */
#define SEMIHOST_SYS_WRITEC         0x03
#define SEMIHOST_SYS_WRITE0         0x04
#define SEMIHOST_SYS_EXIT           0x18
#define SEMIHOST_SYS_EXIT_EXTENDED  0x20
#define SEMIHOST_ADP_APPLICATION_EXIT 0x20026
uint64_t semihost_call(uint32_t op, uint64_t param);
void exit(int code) __attribute__((noreturn));   /* SYS_EXIT with ADP_Stopped_ApplicationExit and the code */

/* ---- PSCI ---- */
#define PSCI_SYSTEM_OFF 0x84000008u
/* PSCI SYSTEM_OFF through HVC (virt's PSCI conduit for firmware at EL1): the board shuts down cleanly (QEMU flushes
   its block devices, exit code 0). Use it where the image must be complete afterwards: semihosting SYS_EXIT makes
   QEMU exit on the spot, and qcow2 metadata still in its cache is lost. */
void power_off(void) __attribute__((noreturn));

/* ---- exceptions ---- */
struct exc_frame {
    uint64_t x[31];
    uint64_t elr, spsr, esr, far, kind;
};
#define ESR_EC(esr)        (((esr) >> 26) & 0x3f)
#define EC_UNKNOWN         0x00   /* e.g. an undefined instruction */
#define EC_INSN_ABORT_LOWER 0x20
#define EC_INSN_ABORT_SAME 0x21
#define EC_PC_ALIGNMENT    0x22
#define EC_DATA_ABORT_LOWER 0x24
#define EC_DATA_ABORT_SAME 0x25

void exception_dispatch(struct exc_frame *f);
/* Called first for every exception when set: returns nonzero if it handled it (the frame, possibly edited, is
   returned to with ERET: e.g. a page fault fixed up and the faulting instruction retried). */
extern int (*exception_hook)(struct exc_frame *f);

/*
 * Traps: expect an exception inside a region of code.
 *
 *   static struct trap t;            // must live in RAM (.bss / .data)
 *   trap_arm(&t);
 *   if (trap_setjmp(&t.jmp) == 0) { code that should fault; trap_disarm(); ... no exception ... }
 *   else { t.esr, t.elr, t.far describe the exception }
 *
 * The next exception after trap_arm is recorded, the trap is disarmed and execution resumes at trap_setjmp
 * returning 1 (flash0 is already back in read-array mode, see start.S).
 */
struct trap_jmp { uint64_t regs[13]; };
struct trap {
    struct trap_jmp jmp;
    uint64_t esr, elr, far, kind;
    int taken;
};
int trap_setjmp(struct trap_jmp *j) __attribute__((returns_twice));
void trap_longjmp(struct trap_jmp *j, int v) __attribute__((noreturn));
void trap_arm(struct trap *t);
void trap_disarm(void);

/* ---- freestanding C library bits gcc may call ---- */
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
