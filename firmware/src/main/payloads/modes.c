/*
 * Mode rules on flash1 (and stray writes to flash0): CFI mode is sticky (only 0xFF leaves), identifier mode takes
 * any new command, unknown and out-of-order commands go to read-array silently, lock commands are no-ops, and writes
 * of arbitrary values to the code bank in read-array mode are commands that change nothing.
 */
#include "check.h"
#include "cfi.h"

#define BLOCK(n) (FLASH1_BASE + (uintptr_t)(n) * FLASH_BLOCK_SIZE)
#define DATA 0x0a0b0c0du
#define A64_MSR_DAIFSET_F 0xd5034fdfu   /* _start's first instruction (runtime/start.S) */

static void cfi_sticky(void)
{
    scenario("cfi-mode-sticky");
    uintptr_t b = BLOCK(1);
    cfi_cmd(FLASH1_BASE, CFI_QUERY);
    cfi_cmd(FLASH1_BASE, CFI_READ_STATUS);
    check32("0x98 then 0x70: still CFI", BOTH('Q'), bus_r32(FLASH1_BASE + 0x40));
    cfi_cmd(FLASH1_BASE, CFI_READ_ID);
    check32("then 0x90: still CFI (index 0 reads 0, not 0x89)", 0, bus_r32(FLASH1_BASE));
    cfi_cmd(FLASH1_BASE, CFI_CLEAR_STATUS);
    cfi_cmd(FLASH1_BASE, CFI_AMD_RESET);
    bus_w32(FLASH1_BASE, 0);
    check32("then 0x50, 0xF0, 0x00: still CFI", BOTH('R'), bus_r32(FLASH1_BASE + 0x44));
    cfi_cmd(b, CFI_BLOCK_ERASE);
    cfi_cmd(b, CFI_CONFIRM);
    cfi_cmd(b, CFI_WORD_PROGRAM);
    bus_w32(b + 4, 0x12345678);
    cfi_cmd(b, CFI_WRITE_BUFFER);
    bus_w32(b, BOTH(0));
    check32("then 0x20, 0xD0, 0x40, data, 0xE8, count: still CFI", BOTH('Y'), bus_r32(FLASH1_BASE + 0x48));
    cfi_cmd(FLASH1_BASE, CFI_READ_ARRAY);
    check32("0xFF leaves: the erase in CFI mode did nothing", DATA, bus_r32(b));
    check32("the program in CFI mode did nothing", DATA, bus_r32(b + 4));
    check32("the 0x50 in CFI mode did not clear the status", BOTH(SR_READY), cfi_status(FLASH1_BASE));
    cfi_read_array(FLASH1_BASE);
}

static void id_exits(void)
{
    scenario("id-mode-exits");
    uintptr_t b = BLOCK(1);
    cfi_cmd(b, CFI_READ_ID);
    cfi_cmd(b, CFI_QUERY);
    check32("0x90 then 0x98: CFI mode", BOTH('Q'), bus_r32(FLASH1_BASE + 0x40));
    cfi_read_array(b);
    cfi_cmd(b, CFI_READ_ID);
    cfi_cmd(b, CFI_READ_STATUS);
    check32("0x90 then 0x70: status mode", BOTH(SR_READY), bus_r32(b));
    cfi_cmd(b, CFI_READ_ID);
    cfi_cmd(b, CFI_READ_ID);
    check32("0x90 twice: identifier mode", BOTH(ID_MANUFACTURER_INTEL), bus_r32(FLASH1_BASE));
    bus_w32(b, 0);
    check32("then 0x00: read-array", DATA, bus_r32(b));
}

static void unknown(void)
{
    scenario("unknown-commands");
    uintptr_t b = BLOCK(1);
    static const uint8_t cmds[] = { CFI_SUSPEND, CFI_CONFIRM, CFI_LOCK_BLOCK, CFI_LOCK_DOWN, CFI_ERASE_ALT, 0x30,
                                    CFI_BEFP, CFI_PROTECTION_PROG, CFI_WRITE_BUFFER_ALT, CFI_SET_CONFIG, 0x12, 0x84 };
    cfi_clear_status(b);
    int all_read_array = 1, from_id = 1;
    for (unsigned i = 0; i < sizeof cmds; i++) {
        cfi_cmd(b, CFI_READ_STATUS);
        cfi_cmd(b, cmds[i]);
        all_read_array &= bus_r32(b) == DATA;
        cfi_cmd(b, CFI_READ_ID);
        cfi_cmd(b, cmds[i]);
        from_id &= bus_r32(b) == DATA;
    }
    check_true("from status mode, each of B0 D0 01 2F 28 30 80 C0 E9 03 12 84 goes to read-array", all_read_array);
    check_true("from identifier mode too", from_id);
    cfi_cmd(b, CFI_LOCK_SETUP);
    cfi_cmd(b, CFI_LOCK_DOWN);
    check32("0x60 then 0x2F (lock-down): read-array", DATA, bus_r32(b));
    cfi_cmd(b, CFI_LOCK_SETUP);
    cfi_cmd(b, CFI_SET_CONFIG);
    check32("0x60 then 0x03 (configuration): read-array", DATA, bus_r32(b));
    cfi_cmd(b, CFI_LOCK_SETUP);
    cfi_cmd(b, CFI_READ_ARRAY);
    check32("0x60 then 0xFF: read-array", DATA, bus_r32(b));
    check32("status untouched by all of them: no error bits", 0, cfi_status(b) & BOTH(SR_ERRORS));
    cfi_read_array(b);
    check32("data unchanged", DATA, bus_r32(b));
}

static void lock_noop(void)
{
    scenario("lock-commands-noop");
    uintptr_t b = BLOCK(2);
    cfi_clear_status(b);
    cfi_cmd(b, CFI_LOCK_SETUP);
    cfi_cmd(b, CFI_LOCK_BLOCK);
    check32("0x60, 0x01 (lock): status 0x80", BOTH(SR_READY), bus_r32(b));
    cfi_cmd(b, CFI_READ_ID);
    check32("block lock status at block + 8 still reads 0 (unlocked)", 0, bus_r32(b + 8));
    cfi_read_array(b);
    check32("the 'locked' block erases: status 0x80, no SR.1", BOTH(SR_READY), cfi_erase(b));
    check32("erased", 0xffffffffu, bus_r32(b + 0x10));
    check32("and programs", BOTH(SR_READY), cfi_program32(b + 0x10, 0x1ced1ced));
    check32("data programmed", 0x1ced1ced, bus_r32(b + 0x10));
    cfi_clear_status(b);
    cfi_cmd(b, CFI_LOCK_SETUP);
    cfi_cmd(b, CFI_UNLOCK_BLOCK);
    check32("0x60, 0xD0 (unlock): status 0x80", BOTH(SR_READY), bus_r32(b));
    cfi_read_array(b);
}

static void stray_bank0(void)
{
    scenario("bank0-stray-writes");
    /* AAVMF writes 0x00017384 then 0 to its own code bank; none of these values starts a sequence */
    extern const uint32_t stray_target[];
    uintptr_t a = (uintptr_t)stray_target;
    uint32_t before = bus_r32(a);
    static const uint32_t values[] = { 0x00017384, 0x00000000, 0x00ff00ff, 0x00f000f0, 0x00d000d0, 0x00b000b0,
                                       0xdeadbe84 };
    for (unsigned i = 0; i < sizeof values / sizeof values[0]; i++) {
        bus_w32(a, values[i]);
    }
    bus_w8(a + 1, 0x84);
    bus_w16(a + 2, 0x00ff);
    check32("flash0 still reads as code: the first instruction, msr daifset, #0xf", A64_MSR_DAIFSET_F, bus_r32(FLASH0_BASE));
    check32("the written flash0 word is unchanged", before, bus_r32(a));
    check32("flash1 status untouched by writes to flash0: no error bits", 0,
            cfi_status(FLASH1_BASE) & BOTH(SR_ERRORS));
    cfi_read_array(FLASH1_BASE);
}

int main(void)
{
    con_line("modes: command mode rules on flash1, stray writes to flash0");
    check32("set-up: erase block 1", BOTH(SR_READY), cfi_erase(BLOCK(1)));
    check32("set-up: data word", BOTH(SR_READY), cfi_program32(BLOCK(1), DATA));
    check32("set-up: data word", BOTH(SR_READY), cfi_program32(BLOCK(1) + 4, DATA));
    cfi_sticky();
    id_exits();
    unknown();
    lock_noop();
    cfi_clear_status(FLASH1_BASE);
    stray_bank0();
    return report_finish();
}

/* a word of flash0 for the stray writes (any code word would do; this one is never executed) */
__asm__(".section .rodata.stray, \"a\"\n.balign 4\n.global stray_target\nstray_target: .word 0x5717a7e0\n.text\n");
