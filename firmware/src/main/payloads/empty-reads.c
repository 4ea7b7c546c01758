/*
 * Reads flash that holds no data, as firmware scanning its volumes or `md`/`crc32` over a blank bank does: every word
 * of a blank flash1, every word of flash0 past the payload's own image, a jump into a hole, a command and a program
 * written into a hole. A board must answer as QEMU's RAM-backed array does (zeros; a jump into zeros executes
 * 0x00000000, an undefined instruction), and on our board none of these reads may cost host memory (the test around
 * this payload counts the bank pages the host has mapped).
 */
#include "check.h"
#include "cfi.h"

#define HOLE_BLOCK  (FLASH1_BASE + 128 * FLASH_BLOCK_SIZE)   /* 0x06000000 */
#define JUMP_TARGET (FLASH1_BASE + 0x02345000u)

extern char __data_load[], __data_start[], __data_end[];
static struct trap t;

typedef void (*code_fn)(void);

/* OR of the 64-bit words of [a, end): zero exactly when the range reads as zeros. */
static uint64_t or_words(uintptr_t a, uintptr_t end)
{
    uint64_t acc = 0;
    for (; a < end; a += 64) {
        acc |= bus_r64(a) | bus_r64(a + 8) | bus_r64(a + 16) | bus_r64(a + 24)
             | bus_r64(a + 32) | bus_r64(a + 40) | bus_r64(a + 48) | bus_r64(a + 56);
    }
    return acc;
}

int main(void)
{
    con_line("empty-reads: read flash that holds no data");

    scenario("empty-bank1-reads-zero");
    check64("all 64 MiB of the blank flash1, word by word", 0, or_words(FLASH1_BASE, FLASH1_BASE + FLASH_BANK_SIZE));
    check8("a byte in the middle", 0, bus_r8(FLASH1_BASE + 0x01234567));
    check32("the last word", 0, bus_r32(FLASH1_BASE + FLASH_BANK_SIZE - 4));

    scenario("bank0-holes-read-zero");
    {
        uintptr_t image_end = (uintptr_t)__data_load + (uintptr_t)(__data_end - __data_start);
        uintptr_t hole = (image_end + 0xfffu) & ~(uintptr_t)0xfffu;
        check_true("the payload ends before 1 MiB", image_end > 0 && image_end < 0x100000u);
        uint64_t tail = 0;
        for (uintptr_t a = (image_end + 7u) & ~(uintptr_t)7u; a < hole; a += 8) {
            tail |= bus_r64(a);
        }
        check64("past the image, in its last page", 0, tail);
        check64("every page of flash0 past the image", 0, or_words(hole, FLASH0_BASE + FLASH_BANK_SIZE));
        check32("the image itself still reads (first instruction: msr daifset, #0xf)", 0xd5034fdfu,
                bus_r32(FLASH0_BASE));
    }

    scenario("hole-jump-undefined");
    trap_arm(&t);
    if (trap_setjmp(&t.jmp) == 0) {
        sync_icache();
        ((code_fn)JUMP_TARGET)();
        trap_disarm();
    }
    check_true("a jump into a hole raised an exception", t.taken);
    check8("exception class is Unknown (0x00): zeros are an undefined instruction", EC_UNKNOWN, ESR_EC(t.esr));
    check64("ELR is the jump target", JUMP_TARGET, t.elr);

    scenario("hole-command-reaches-chip");
    bus_w32(HOLE_BLOCK + 0x40, cfi_word(CFI_QUERY));
    check32("a query written into a hole: 'Q' at index 0x10", cfi_word('Q'), bus_r32(FLASH1_BASE + 4 * CFI_IDX_QRY));
    cfi_read_array(HOLE_BLOCK);
    check32("back in read-array mode, the hole reads zero", 0, bus_r32(HOLE_BLOCK + 0x40));

    scenario("hole-erase-program-reads-back");
    check32("erase a block in a hole: status 0x80", BOTH(SR_READY), cfi_erase(HOLE_BLOCK));
    check_fill32("the block is erased", HOLE_BLOCK, FLASH_BLOCK_SIZE, 0xffffffffu);
    check32("program a word: status 0x80", BOTH(SR_READY), cfi_program32(HOLE_BLOCK + 0x1000, 0x12345678u));
    check32("the word reads back", 0x12345678u, bus_r32(HOLE_BLOCK + 0x1000));
    check32("its neighbour is still erased", 0xffffffffu, bus_r32(HOLE_BLOCK + 0x1004));
    check64("the next block is still a hole of zeros", 0,
            or_words(HOLE_BLOCK + FLASH_BLOCK_SIZE, HOLE_BLOCK + 2 * FLASH_BLOCK_SIZE));
    return report_finish();
}
