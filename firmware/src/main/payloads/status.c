/*
 * Status register rules on flash1: the power-on value, reads at every width and address, 0x50 (clears the error
 * bits and goes to read-array; SR.7 stays set on real NOR, QEMU 7.2 clears it too: note status-clear), sticky error
 * bits (an SR.4 left over makes every later buffered program abort until 0x50),
 * and which commands leave read-status mode.
 */
#include "check.h"
#include "cfi.h"

#define BLOCK(n) (FLASH1_BASE + (uintptr_t)(n) * FLASH_BLOCK_SIZE)
static uint32_t words[8];

static void power_on(void)
{
    scenario("status-power-on");
    cfi_cmd(FLASH1_BASE, CFI_READ_STATUS);
    check32("first status read after boot: 0x80 in both halves", BOTH(SR_READY), bus_r32(FLASH1_BASE));
    check8("byte read at +1: 0x80 (byte lanes ignored)", SR_READY, bus_r8(FLASH1_BASE + 1));
    check16("halfword read at +2: 0x0080", SR_READY, bus_r16(FLASH1_BASE + 2));
    check64("64-bit read: 0x0080008000800080", 0x0080008000800080ull, bus_r64(FLASH1_BASE + 8));
    check32("any address in the bank: the last word", BOTH(SR_READY), bus_r32(FLASH1_BASE + FLASH_BANK_SIZE - 4));
    cfi_read_array(FLASH1_BASE);
    check32("0xFF: blank flash reads 0x00 (an empty image)", 0, bus_r32(FLASH1_BASE + 0x100));
}

static void clear(void)
{
    scenario("status-clear");
    uintptr_t b = BLOCK(1);
    check32("erase: status 0x80", BOTH(SR_READY), cfi_erase(b));
    cfi_cmd(b, CFI_READ_STATUS);
    cfi_cmd(b, CFI_CLEAR_STATUS);
    check32("0x50 goes to read-array", 0xffffffffu, bus_r32(b));
    uint32_t cleared = cfi_status(b);
    check_true("0x70 after 0x50: no error bits; SR.7 set (real NOR) or cleared too (QEMU 7.2)",
               cleared == BOTH(SR_READY) || cleared == 0);
    check32("the same on a second read", cleared, bus_r32(b + 0x1000));
    cfi_read_array(b);
    check32("a word program sets SR.7", BOTH(SR_READY), cfi_program32(b, 0x0badc0de));
    cfi_clear_status(b + 0x3fffc);
    check32("0x50 at another address of the bank clears the one status register", cleared, cfi_status(b));
    cfi_read_array(b);
    note_clear_status("status-clear", cleared);
}

static void sticky(void)
{
    scenario("status-sticky-error");
    uintptr_t b = BLOCK(2), cross = b + 0x0ff8, good = b + 0x8000;
    check32("erase: status 0x80", BOTH(SR_READY), cfi_erase(b));
    for (unsigned i = 0; i < 4; i++) {
        words[i] = pattern_word(0x5A000001, i);
    }
    /* a buffer crossing its 4 KiB window sets SR.4 */
    (void)cfi_buffered(cross, words, 4, cross);
    check32("window-crossing buffer: SR.7 | SR.4", BOTH(SR_READY | SR_PROGRAM_ERROR), cfi_status(b));
    cfi_read_array(b);
    check32("a word program still programs", BOTH(SR_READY | SR_PROGRAM_ERROR), cfi_program32(b + 0x100, 0x600d600d));
    check32("its data", 0x600d600d, bus_r32(b + 0x100));
    /* a valid buffer now aborts at confirm: the stale SR.4 is still set */
    cfi_cmd(good, CFI_WRITE_BUFFER);
    bus_w32(good, BOTH(3));
    for (unsigned i = 0; i < 4; i++) {
        bus_w32(good + 4 * i, words[i]);
    }
    cfi_cmd(good, CFI_CONFIRM);
    check32("valid buffer with SR.4 left over: aborts to read-array at confirm", 0xffffffffu, bus_r32(good));
    check_fill32("nothing programmed", good, 16, 0xffffffffu);
    check32("error bits still there", BOTH(SR_READY | SR_PROGRAM_ERROR), cfi_status(b));
    cfi_clear_status(b);
    check32("0x50 clears them", 0, cfi_status(b) & BOTH(SR_ERRORS));
    cfi_read_array(b);
    check32("the same buffer now succeeds: status 0x80", BOTH(SR_READY), cfi_buffered(good, words, 4, good));
    check_pattern32("programmed", good, 4, 0x5A000001);
}

static void leaving(void)
{
    scenario("status-mode-exits");
    uintptr_t b = BLOCK(1);      /* word 0 holds 0x0badc0de from status-clear */
    cfi_cmd(b, CFI_READ_STATUS);
    cfi_cmd(b, CFI_READ_ID);
    check32("0x70 then 0x90: identifier mode", BOTH(ID_MANUFACTURER_INTEL), bus_r32(FLASH1_BASE));
    cfi_cmd(b, CFI_READ_STATUS);
    cfi_cmd(b, CFI_QUERY);
    check32("0x70 then 0x98: CFI mode", BOTH('Q'), bus_r32(FLASH1_BASE + 0x40));
    cfi_read_array(b);
    cfi_cmd(b, CFI_READ_STATUS);
    cfi_cmd(b, CFI_AMD_RESET);
    check32("0x70 then 0xF0: read-array", 0x0badc0de, bus_r32(b));
    cfi_cmd(b, CFI_READ_STATUS);
    bus_w32(b, 0);
    check32("0x70 then 0x00: read-array", 0x0badc0de, bus_r32(b));
    /* erase leaves the bank in status mode (cmd stays 0x20) until a new command */
    cfi_cmd(BLOCK(3), CFI_BLOCK_ERASE);
    cfi_cmd(BLOCK(3), CFI_CONFIRM);
    check32("after erase: status at the block", BOTH(SR_READY), bus_r32(BLOCK(3)));
    check32("after erase: status at another block too", BOTH(SR_READY), bus_r32(b));
    cfi_cmd(BLOCK(3), CFI_READ_ARRAY);
    check32("0xFF: read-array", 0x0badc0de, bus_r32(b));
}

int main(void)
{
    con_line("status: status register rules on flash1");
    power_on();
    clear();
    sticky();
    leaving();
    return report_finish();
}
