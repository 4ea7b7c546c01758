/*
 * Hostile bus traffic on both banks: a fixed pseudo-random stream of command and data cycles of every width, at
 * scratch addresses of flash0 (its last four blocks, away from the payload's own code) and flash1 (its first four
 * blocks), interleaved, with reads in between. The reads and the final contents of the scratch blocks are folded
 * into hashes the payload prints: a board is right when it prints the same hashes as QEMU (the guest tests compare
 * the consoles and the images). Every cycle runs from a RAM bus script, since flash0 is in command modes meanwhile.
 *
 * The stream never writes a value whose command byte is 0xE8 (in either 32-bit half): write-to-buffer is where
 * QEMU 7.2 and upstream QEMU are documented to differ (buffer window origin, count 0), and the buffered payload
 * covers it. Each script ends with two read-array cycles to each bank: the first may be taken as program data or
 * as the second cycle of a two-cycle command; the second always returns the bank to read-array, so the code can run.
 *
 *   fuzz-both-banks: every script ran and left flash0 runnable; the read and content hashes are printed
 */
#include "check.h"
#include "cfi.h"
#include "busscript.h"

#define SCRIPTS 160
#define CYCLES_PER_SCRIPT 112             /* leaves room for the 4 read-array cycles and bs_run's own */
#define SCRATCH_BLOCKS 4
#define FLASH0_SCRATCH (FLASH0_BASE + FLASH_BANK_SIZE - SCRATCH_BLOCKS * FLASH_BLOCK_SIZE)
#define FLASH1_SCRATCH FLASH1_BASE
#define A64_MSR_DAIFSET_F 0xd5034fdfu    /* _start's first instruction (runtime/start.S) */

static const uint8_t commands[] = {
    CFI_READ_ARRAY, 0x00, CFI_AMD_RESET, CFI_QUERY, CFI_READ_ID, CFI_READ_STATUS, CFI_CLEAR_STATUS,
    CFI_BLOCK_ERASE, CFI_CONFIRM, CFI_WORD_PROGRAM, CFI_WORD_PROGRAM_ALT, CFI_LOCK_SETUP, CFI_LOCK_BLOCK,
    CFI_LOCK_DOWN, CFI_SET_CONFIG, CFI_SUSPEND, CFI_PROTECTION_PROG, CFI_BEFP, CFI_ERASE_ALT, CFI_WRITE_BUFFER_ALT,
};

static struct bus_script bs;
static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next(void)
{
    /* xorshift64* */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1Dull;
}

static uint64_t fnv(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 0x100000001B3ull;
    }
    return h;
}

/* the command byte of a cycle of this width is never 0xE8 (a 64-bit cycle is two 32-bit cycles) */
static uint64_t no_write_buffer(uint64_t v, int width)
{
    if ((v & 0xff) == CFI_WRITE_BUFFER) {
        v ^= 0x01;
    }
    if (width == 8 && ((v >> 32) & 0xff) == CFI_WRITE_BUFFER) {
        v ^= 0x01ull << 32;
    }
    return v;
}

static uintptr_t scratch_address(uintptr_t base, int width)
{
    uint64_t r = next();
    uint64_t block = (r >> 8) % SCRATCH_BLOCKS;
    /* three in four cycles near the start of a block, so that commands meet each other */
    uint64_t span = (r & 3) != 0 ? 0x2000 : FLASH_BLOCK_SIZE;
    uint64_t off = (r >> 16) % span;
    return base + block * FLASH_BLOCK_SIZE + (off & ~(uint64_t)(width - 1));
}

static void add_cycle(void)
{
    uint64_t r = next();
    uintptr_t base = (r & 1) ? FLASH1_SCRATCH : FLASH0_SCRATCH;
    int width = 1 << ((r >> 1) & 3);
    uintptr_t a = scratch_address(base, width);
    static const enum bus_op_kind reads[] = { BUS_R8, BUS_R16, BUS_R32, BUS_R64 };
    static const enum bus_op_kind writes[] = { BUS_W8, BUS_W16, BUS_W32, BUS_W64 };
    int log2w = (int)((r >> 1) & 3);
    if (((r >> 3) & 3) == 0) {
        bs_add(&bs, reads[log2w], a, 0);
        return;
    }
    uint64_t v;
    if ((r >> 5) & 1) {
        uint8_t c = commands[(r >> 8) % sizeof commands];
        v = BOTH(c) | (uint64_t)BOTH(c) << 32;
    } else {
        v = next();
    }
    bs_add(&bs, writes[log2w], a, no_write_buffer(v, width));
}

static uint64_t hash_block_contents(uintptr_t base, uint64_t h)
{
    for (uintptr_t a = base; a < base + SCRATCH_BLOCKS * FLASH_BLOCK_SIZE; a += 8) {
        h = fnv(h, bus_r64(a));
    }
    return h;
}

/* 0x50 then 0x70 to flash0, from RAM */
static uint32_t flash0_status_after_clear(void)
{
    bs_init(&bs);
    bs_w32(&bs, FLASH0_SCRATCH, BOTH(CFI_CLEAR_STATUS));
    bs_w32(&bs, FLASH0_SCRATCH, BOTH(CFI_READ_STATUS));
    int sr = bs_r32(&bs, FLASH0_SCRATCH);
    bs_run(&bs);
    return (uint32_t)bs_value(&bs, sr);
}

int main(void)
{
    con_line("fuzz: pseudo-random command and data cycles on both banks, hashes to compare with QEMU");
    scenario("fuzz-both-banks");
    uint64_t reads = 0xcbf29ce484222325ull;
    int all_ran = 1, runnable = 1;
    for (int s = 0; s < SCRIPTS; s++) {
        bs_init(&bs);
        for (int i = 0; i < CYCLES_PER_SCRIPT; i++) {
            add_cycle();
        }
        bs_w32(&bs, FLASH0_SCRATCH, BOTH(CFI_READ_ARRAY));
        bs_w32(&bs, FLASH0_SCRATCH, BOTH(CFI_READ_ARRAY));
        bs_w32(&bs, FLASH1_SCRATCH, BOTH(CFI_READ_ARRAY));
        bs_w32(&bs, FLASH1_SCRATCH, BOTH(CFI_READ_ARRAY));
        all_ran &= bs_run(&bs);
        runnable &= bus_r32(FLASH0_BASE) == A64_MSR_DAIFSET_F;
        for (int i = 0; i < bs.n; i++) {
            if (bs.ops[i].op >= BUS_R8) {
                reads = fnv(reads, bs.ops[i].value);
            }
        }
        if ((s + 1) % 40 == 0) {
            con_puts("fuzz: ");
            con_dec((uint64_t)(s + 1) * CYCLES_PER_SCRIPT);
            con_puts(" cycles, read hash ");
            con_hex(reads, 16);
            con_putc('\n');
        }
    }
    check_true("every script ran", all_ran);
    check_true("flash0 read back as code after every script", runnable);
    con_puts("fuzz: flash0 scratch blocks hash ");
    con_hex(hash_block_contents(FLASH0_SCRATCH, 0xcbf29ce484222325ull), 16);
    con_putc('\n');
    con_puts("fuzz: flash1 scratch blocks hash ");
    con_hex(hash_block_contents(FLASH1_SCRATCH, 0xcbf29ce484222325ull), 16);
    con_putc('\n');
    check32("flash0 status after 0x50 then 0x70: no error bits", 0, flash0_status_after_clear() & BOTH(SR_ERRORS));
    cfi_clear_status(FLASH1_BASE);
    check32("flash1 status after 0x50 then 0x70: no error bits", 0, cfi_status(FLASH1_BASE) & BOTH(SR_ERRORS));
    cfi_read_array(FLASH1_BASE);
    return report_finish();
}
