/*
 * Block erase on flash1: the block is erased by the 0x20 setup cycle itself (0xFF or garbage after it still leaves
 * it erased), the setup cycle's address chooses the block, erase fills 0xFF, and neighbours are untouched.
 */
#include "check.h"
#include "cfi.h"

#define BLOCK(n) (FLASH1_BASE + (uintptr_t)(n) * FLASH_BLOCK_SIZE)
#define MARK 0x12345678u

/* program marks at the first, middle and last word of a block and the words just outside it (their blocks erased
 * first: programming only clears bits) */
static void mark(uintptr_t b)
{
    (void)cfi_erase(b - FLASH_BLOCK_SIZE);
    (void)cfi_erase(b);
    (void)cfi_erase(b + FLASH_BLOCK_SIZE);
    (void)cfi_program32(b - 4, MARK);
    (void)cfi_program32(b, MARK);
    (void)cfi_program32(b + FLASH_BLOCK_SIZE / 2, MARK);
    (void)cfi_program32(b + FLASH_BLOCK_SIZE - 4, MARK);
    (void)cfi_program32(b + FLASH_BLOCK_SIZE, MARK);
}

static void erased_with_neighbours(uintptr_t b)
{
    check_fill32("the whole 256 KiB block reads 0xFF", b, FLASH_BLOCK_SIZE, 0xffffffffu);
    check32("last word of the block before untouched", MARK, bus_r32(b - 4));
    check32("first word of the block after untouched", MARK, bus_r32(b + FLASH_BLOCK_SIZE));
}

static void at_setup(void)
{
    scenario("erase-at-setup-cycle");
    uintptr_t b = BLOCK(4);
    mark(b);
    check32("marks in place", MARK, bus_r32(b + FLASH_BLOCK_SIZE / 2));
    cfi_cmd(b + 0x100, CFI_BLOCK_ERASE);
    cfi_cmd(b + 0x100, CFI_READ_ARRAY);
    check32("0x20 then 0xFF: read-array (no status)", 0xffffffffu, bus_r32(b));
    erased_with_neighbours(b);
}

static void garbage(void)
{
    scenario("erase-setup-then-garbage");
    uintptr_t b = BLOCK(8);
    mark(b);
    cfi_cmd(b, CFI_BLOCK_ERASE);
    bus_w32(b, 0x00120012);
    check32("0x20 then 0x12: read-array", 0xffffffffu, bus_r32(b + 4));
    erased_with_neighbours(b);
    check32("status: SR.7 only, no error", BOTH(SR_READY), cfi_status(b));
    cfi_read_array(b);
}

static void confirm(void)
{
    scenario("erase-confirm");
    uintptr_t b = BLOCK(12), other = BLOCK(20);
    mark(b);
    (void)cfi_erase(other);
    (void)cfi_program32(other, MARK);
    cfi_clear_status(b);
    cfi_cmd(b + 0x20000, CFI_BLOCK_ERASE);
    cfi_cmd(other, CFI_CONFIRM);               /* confirm elsewhere: the setup address chose the block */
    check32("0x20, 0xD0: status 0x80", BOTH(SR_READY), bus_r32(b));
    check32("status mode anywhere in the bank until 0xFF", BOTH(SR_READY), bus_r32(other));
    cfi_read_array(b);
    erased_with_neighbours(b);
    check32("the block of the confirm cycle is not erased", MARK, bus_r32(other));
}

static void encodings(void)
{
    scenario("erase-command-encodings");
    uintptr_t b = BLOCK(16);
    mark(b);
    bus_w32(b + 0x30000, 0x12345620);          /* only the low byte counts: erase setup */
    bus_w32(b, 0x000000ff);
    check32("0x12345620 is an erase setup", 0xffffffffu, bus_r32(b + 0x30000));
    erased_with_neighbours(b);
    mark(b);
    cfi_cmd8(b + 1, CFI_BLOCK_ERASE);          /* 8-bit cycles */
    cfi_cmd8(b + 1, CFI_CONFIRM);
    check8("8-bit 0x20, 0xD0: status byte 0x80", SR_READY, bus_r8(b));
    cfi_cmd8(b, CFI_READ_ARRAY);
    erased_with_neighbours(b);
}

int main(void)
{
    con_line("erase: block erase on flash1");
    at_setup();
    garbage();
    confirm();
    encodings();
    return report_finish();
}
