/*
 * Kill-safety workload: erases and programs four blocks of flash1 in an endless loop (block erase, word programs,
 * buffered programs, some of them all-zero windows), and after each operation it saw complete (status 0x80 and the
 * data read back) prints one line:
 *
 *   flash-loop: ready
 *   done N erase 0xADDR                     the 256 KiB block at ADDR is all 0xFF
 *   done N word 0xADDR=0xVALUE              one 32-bit word program
 *   done N buffer 0xADDR words=C            C words (1..1024) of one 4 KiB window, pattern seed flash_loop_seed(N)
 *
 * Each visit of a block starts with its erase, and every other operation of the visit programs a window of its own
 * (words: windows 0..14, one each; buffers: one of six windows each, from 15 on), so nothing is programmed twice
 * between erases: real NOR's AND and QEMU's overwrite leave the same data.
 *
 * Operation N is a pure function of N (flash_loop_op below; the host-side test mirrors it), so whoever kills the
 * process can compute what every image byte must be: the data of every reported operation, and for the one after
 * the last report either its old or its new data. The loop never ends; a check that fails prints
 * "flash-loop: FAIL at N: ..." and exits with EXIT_CHECK_FAILED.
 */
#include "cfi.h"

#define LOOP_FIRST_BLOCK  64u                  /* flash1 offset 0x01000000 */
#define LOOP_BLOCKS       4u
#define LOOP_PERIOD       24u                  /* operations per block visit: 1 erase, 15 words, 8 buffers */
#define LOOP_WORD_OPS     15u
#define BUFFER_WINDOW_CHOICES 6u             /* buffer k of a visit: windows 15 + 6k .. 20 + 6k (at most 62) */
#define WINDOW_WORDS      (FLASH_WINDOW_SIZE / 4)

enum op_kind { OP_ERASE, OP_WORD, OP_BUFFER };

struct op {
    enum op_kind kind;
    uintptr_t addr;        /* block base, word address, or first word of the buffer */
    uint32_t value;        /* word program: the value; buffer: the pattern seed (0 words when zero_window) */
    uint32_t count;        /* buffer: words */
    int zero_window;       /* buffer: the whole window, all zero */
};

/* A 32-bit integer hash (bijective); the test's FlashLoopSchedule.mix32 is the same function. */
static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

static void flash_loop_op(uint32_t n, struct op *op)
{
    uint32_t block = (n / LOOP_PERIOD) % LOOP_BLOCKS;
    uint32_t phase = n % LOOP_PERIOD;
    uintptr_t base = FLASH1_BASE + (uintptr_t)(LOOP_FIRST_BLOCK + block) * FLASH_BLOCK_SIZE;
    uint32_t h = mix32(n);
    op->zero_window = 0;
    op->count = 0;
    op->value = 0;
    if (phase == 0) {
        op->kind = OP_ERASE;
        op->addr = base;
    } else if (phase <= LOOP_WORD_OPS) {
        op->kind = OP_WORD;
        op->addr = base + (uintptr_t)(phase - 1) * FLASH_WINDOW_SIZE + 4u * (h % WINDOW_WORDS);
        op->value = n % 7 == 3 ? 0 : mix32(h ^ 0xA5A5A5A5u);
    } else {
        op->kind = OP_BUFFER;
        uint32_t k = phase - LOOP_WORD_OPS - 1;   /* 0..7 */
        uintptr_t window = base + (uintptr_t)(LOOP_WORD_OPS + BUFFER_WINDOW_CHOICES * k + h % BUFFER_WINDOW_CHOICES)
                * FLASH_WINDOW_SIZE;
        if (n % 11 == 5) {
            op->zero_window = 1;
            op->count = WINDOW_WORDS;
            op->addr = window;
        } else {
            uint32_t h2 = mix32(h);
            op->count = 1 + h2 % WINDOW_WORDS;
            op->addr = window + 4u * ((h2 >> 12) % (WINDOW_WORDS - op->count + 1));
            op->value = mix32(n ^ 0x5EED5EEDu);
        }
    }
}

static uint32_t words[WINDOW_WORDS];

static void fail(uint32_t n, const char *what, uintptr_t addr, uint32_t got)
{
    con_puts("flash-loop: FAIL at ");
    con_dec(n);
    con_puts(": ");
    con_puts(what);
    con_puts(" at ");
    con_hex32((uint32_t)addr);
    con_puts(": got ");
    con_hex32(got);
    con_putc('\n');
    exit(EXIT_CHECK_FAILED);
}

static void run(uint32_t n)
{
    struct op op;
    flash_loop_op(n, &op);
    uint32_t sr;
    switch (op.kind) {
    case OP_ERASE:
        sr = cfi_erase(op.addr);
        if (sr != BOTH(SR_READY)) {
            fail(n, "erase status", op.addr, sr);
        }
        for (uint32_t i = 0; i < FLASH_BLOCK_SIZE; i += 4) {
            uint32_t w = bus_r32(op.addr + i);
            if (w != 0xffffffffu) {
                fail(n, "erased word", op.addr + i, w);
            }
        }
        con_puts("done ");
        con_dec(n);
        con_puts(" erase ");
        con_hex32((uint32_t)op.addr);
        break;
    case OP_WORD:
        sr = cfi_program32(op.addr, op.value);
        if (sr != BOTH(SR_READY)) {
            fail(n, "word program status", op.addr, sr);
        }
        if (bus_r32(op.addr) != op.value) {
            fail(n, "programmed word", op.addr, bus_r32(op.addr));
        }
        con_puts("done ");
        con_dec(n);
        con_puts(" word ");
        con_hex32((uint32_t)op.addr);
        con_putc('=');
        con_hex32(op.value);
        break;
    default:
        for (uint32_t i = 0; i < op.count; i++) {
            words[i] = op.zero_window ? 0 : pattern_word(op.value, i);
        }
        sr = cfi_buffered(op.addr, words, op.count, op.addr);
        if (sr != BOTH(SR_READY)) {
            fail(n, "buffered program status", op.addr, sr);
        }
        for (uint32_t i = 0; i < op.count; i++) {
            uint32_t w = bus_r32(op.addr + 4u * i);
            if (w != words[i]) {
                fail(n, "buffered word", op.addr + 4u * i, w);
            }
        }
        con_puts("done ");
        con_dec(n);
        con_puts(" buffer ");
        con_hex32((uint32_t)op.addr);
        con_puts(" words=");
        con_dec(op.count);
        break;
    }
    con_putc('\n');
}

int main(void)
{
    con_line("flash-loop: ready");
    for (uint32_t n = 0;; n++) {
        run(n);
    }
}
