/*
 * flash1 given read-only (QEMU: -drive if=pflash,unit=1,...,readonly=on). The image must hold the pattern
 * pattern_word(0x5EED0001, i) in its first 8 KiB (2048 words); everything else is free.
 * Erase sets SR.5 | SR.7, programs set SR.4 | SR.7, nothing changes, queries still work.
 *
 * Documented differences: after 0x50 SR.7 stays set on real NOR (our board's default), QEMU 7.2 clears it, so Linux's
 * erase error path (0x50, 0x70, then poll SR.7) waits forever on QEMU (note readonly-linux-erase-error); a refused
 * buffered program ends in status mode on real NOR, QEMU aborts it to read-array (note readonly-buffered).
 */
#include "check.h"
#include "cfi.h"

#define IMAGE_SEED   0x5EED0001u
#define IMAGE_WORDS  2048u
static uint32_t words[8];

static void visible(void)
{
    scenario("readonly-image-visible");
    check_pattern32("the image's pattern reads back", FLASH1_BASE, IMAGE_WORDS, IMAGE_SEED);
    check32("status at boot: 0x80", BOTH(SR_READY), cfi_status(FLASH1_BASE));
    cfi_read_array(FLASH1_BASE);
}

static void erase(void)
{
    scenario("readonly-erase");
    cfi_clear_status(FLASH1_BASE);
    check32("erase: status SR.7 | SR.5 (erase error)", BOTH(SR_READY | SR_ERASE_ERROR), cfi_erase(FLASH1_BASE));
    check_pattern32("data unchanged", FLASH1_BASE, IMAGE_WORDS, IMAGE_SEED);
    cfi_clear_status(FLASH1_BASE);
    check32("0x50 clears the error bits", 0, cfi_status(FLASH1_BASE) & BOTH(SR_ERRORS));
    cfi_read_array(FLASH1_BASE);
}

/* Linux's do_erase_oneblock (cfi_cmdset_0001.c) on a read-only bank, cycle by cycle, and its next chip_ready poll */
static void linux_erase_error(void)
{
    scenario("readonly-linux-erase-error");
    uintptr_t b = FLASH1_BASE + 3 * FLASH_BLOCK_SIZE;
    cfi_cmd(b, CFI_CLEAR_STATUS);
    cfi_cmd(b, CFI_BLOCK_ERASE);
    cfi_cmd(b, CFI_CONFIRM);
    check32("erase: done (SR.7) with SR.5", BOTH(SR_READY | SR_ERASE_ERROR), bus_r32(b));
    check32("0x70: the error is there for Linux to see", BOTH(SR_READY | SR_ERASE_ERROR), cfi_status(b));
    cfi_cmd(b, CFI_CLEAR_STATUS);           /* "Reset the error bits" */
    cfi_cmd(b, CFI_READ_STATUS);
    uint32_t poll = 0;
    for (unsigned i = 0; i < 1000 && !(poll & BOTH(SR_READY)); i++) {
        poll = bus_r32(b);                  /* chip_ready: wait for SR.7 before the next operation */
    }
    check32("no error bits left", 0, poll & BOTH(SR_ERRORS));
    check_true("SR.7 set (real NOR: Linux reports the error and goes on) or 0 for good (QEMU 7.2: Linux hangs)",
               poll == BOTH(SR_READY) || poll == 0);
    note_clear_status("readonly-linux-erase-error", poll);
    cfi_read_array(b);
    check_pattern32("data unchanged", FLASH1_BASE, IMAGE_WORDS, IMAGE_SEED);
}

static void program(void)
{
    scenario("readonly-word-program");
    check32("word program: status SR.7 | SR.4 (program error)", BOTH(SR_READY | SR_PROGRAM_ERROR),
            cfi_program32(FLASH1_BASE + 0x40, 0));
    check32("data unchanged", pattern_word(IMAGE_SEED, 0x10), bus_r32(FLASH1_BASE + 0x40));
    check32("a program into the blank part is refused too", BOTH(SR_READY | SR_PROGRAM_ERROR),
            cfi_program32(FLASH1_BASE + 0x100000, 0x12345678));
    check32("still blank", 0, bus_r32(FLASH1_BASE + 0x100000));
    cfi_clear_status(FLASH1_BASE);
    cfi_read_array(FLASH1_BASE);
}

static void buffered(void)
{
    scenario("readonly-buffered");
    uintptr_t t = FLASH1_BASE + 0x1000;
    for (unsigned i = 0; i < 8; i++) {
        words[i] = ~pattern_word(IMAGE_SEED, 0x400 + i);
    }
    cfi_cmd(t, CFI_WRITE_BUFFER);
    bus_w32(t, BOTH(7));
    for (unsigned i = 0; i < 8; i++) {
        bus_w32(t + 4 * i, words[i]);
    }
    cfi_cmd(t, CFI_CONFIRM);
    uint32_t after = bus_r32(t);
    check_true("after the confirm: status SR.7 | SR.4 (real NOR) or read-array, the image's data (QEMU 7.2)",
               after == BOTH(SR_READY | SR_PROGRAM_ERROR) || after == pattern_word(IMAGE_SEED, 0x400));
    note("readonly-buffered", after == BOTH(SR_READY | SR_PROGRAM_ERROR) ? "status mode (real NOR)"
         : "read-array (QEMU)");
    check32("status: SR.7 | SR.4", BOTH(SR_READY | SR_PROGRAM_ERROR), cfi_status(t));
    cfi_read_array(t);
    check_pattern32("data unchanged", FLASH1_BASE, IMAGE_WORDS, IMAGE_SEED);
    cfi_clear_status(t);
    cfi_read_array(t);
}

static void accumulate(void)
{
    scenario("readonly-status-accumulates");
    (void)cfi_erase(FLASH1_BASE + FLASH_BLOCK_SIZE);
    check32("erase then program without 0x50: SR.7 | SR.5 | SR.4", BOTH(SR_READY | SR_ERASE_ERROR | SR_PROGRAM_ERROR),
            cfi_program32(FLASH1_BASE + 4, 0));
    cfi_cmd(FLASH1_BASE, CFI_QUERY);
    check32("CFI query still works", BOTH('Q'), bus_r32(FLASH1_BASE + 0x40));
    cfi_read_array(FLASH1_BASE);
    cfi_cmd(FLASH1_BASE, CFI_READ_ID);
    check32("read identifier still works", BOTH(ID_MANUFACTURER_INTEL), bus_r32(FLASH1_BASE));
    cfi_read_array(FLASH1_BASE);
    cfi_clear_status(FLASH1_BASE);
    check32("0x50 clears all of them", 0, cfi_status(FLASH1_BASE) & BOTH(SR_ERRORS));
    cfi_read_array(FLASH1_BASE);
    check_pattern32("data unchanged at the end", FLASH1_BASE, IMAGE_WORDS, IMAGE_SEED);
}

int main(void)
{
    con_line("readonly: flash1 read-only");
    visible();
    erase();
    linux_erase_error();
    program();
    buffered();
    accumulate();
    return report_finish();
}
