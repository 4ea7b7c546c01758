/*
 * A guest-requested system reset (PSCI SYSTEM_RESET) in the middle of flash work. The payload boots twice in one
 * run; a hand-off block in RAM, far from the payload's own memory (which _start initialises again), says which boot
 * this is and carries what boot one saw.
 *
 * Boot one: erases a block of flash1, programs a word, makes a buffered program fail (SR.4), opens another buffer and
 * fills half of it, overwrites the device tree's magic in RAM, then - from RAM code - puts flash0 into CFI query mode
 * and requests the reset. If the board did not put flash0 back into read-array mode, the CPU would fetch CFI words at
 * 0x0 after the reset.
 *
 * Boot two reports:
 *   reset-before: what boot one saw (statuses and the device tree magic), checked now so one summary covers both
 *   reset-flash-state: flash1 reads array data without a 0xFF first; the word programmed before the reset is kept;
 *     the half-filled buffer was dropped; SR.4 is gone (status 0x80); a new buffered program works
 *   reset-ram: RAM outside the ROM blobs is kept (the hand-off block); the device tree is back (copied again, as
 *     QEMU's ROM blobs are); flash0 is in read-array mode (the code runs, and reads back as code)
 */
#include "check.h"
#include "cfi.h"

#define BLOCK1(n) (FLASH1_BASE + (uintptr_t)(n) * FLASH_BLOCK_SIZE)
#define TARGET_BLOCK BLOCK1(20)
#define PROGRAMMED_AT (TARGET_BLOCK + 0x100)
#define PROGRAMMED_WORD 0x600DF00Du
#define CROSSING_AT (TARGET_BLOCK + 0x1000)
#define HALF_BUFFER_AT (TARGET_BLOCK + 0x3000)
#define HALF_BUFFER_SEED 0x5E5E0001u
#define NEW_BUFFER_SEED 0x5E5E0002u

#define HANDOFF_BASE (RAM_BASE + 0x04000000)   /* 64 MiB into RAM: neither the DTB nor the payload's 1 MiB */
#define HANDOFF_MAGIC 0x52534554u              /* "RSET" */
#define DTB_MAGIC_LE 0xedfe0dd0u               /* 0xd00dfeed, big-endian in memory, read little-endian */
#define PSCI_SYSTEM_RESET 0x84000009u
#define A64_MSR_DAIFSET_F 0xd5034fdfu          /* _start's first instruction (runtime/start.S) */

struct handoff {
    uint32_t magic;
    uint32_t erase_sr;
    uint32_t program_sr;
    uint32_t crossing_sr;
    uint32_t open_buffer_sr;
    uint32_t dtb_magic;
};

static volatile struct handoff *const handoff = (volatile struct handoff *)HANDOFF_BASE;
static uint32_t words[8];

/*
 * Runs from RAM: flash0 cannot be executed while it is in CFI mode. Only inline bus accessors and the HVC; returns
 * (with flash0 back in read-array mode) only if the board ignores the reset.
 */
__attribute__((section(".ramtext"), noinline)) static void reset_with_flash0_in_cfi_mode(void)
{
    bus_w32(FLASH0_BASE, BOTH(CFI_QUERY));
    register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_RESET;
    __asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
    bus_w32(FLASH0_BASE, BOTH(CFI_READ_ARRAY));
}

static void boot_one(void)
{
    handoff->erase_sr = cfi_erase(TARGET_BLOCK);
    handoff->program_sr = cfi_program32(PROGRAMMED_AT, PROGRAMMED_WORD);

    /* a buffer whose second word lies in the next 4 KiB window: SR.4, dropped at confirm (any QEMU version) */
    cfi_cmd(CROSSING_AT, CFI_WRITE_BUFFER);
    (void)bus_r32(CROSSING_AT);
    bus_w32(CROSSING_AT, BOTH(1));
    bus_w32(CROSSING_AT, 0x11111111u);
    bus_w32(CROSSING_AT + FLASH_WINDOW_SIZE, 0x22222222u);
    cfi_cmd(CROSSING_AT, CFI_CONFIRM);           /* the aborted confirm leaves the bank in read-array mode */
    handoff->crossing_sr = cfi_status(CROSSING_AT);

    /* another buffer: count 7, four of its eight data cycles, no confirm */
    for (unsigned i = 0; i < 8; i++) {
        words[i] = pattern_word(HALF_BUFFER_SEED, i);
    }
    cfi_cmd(HALF_BUFFER_AT, CFI_WRITE_BUFFER);
    (void)bus_r32(HALF_BUFFER_AT);
    bus_w32(HALF_BUFFER_AT, BOTH(7));
    for (unsigned i = 0; i < 4; i++) {
        bus_w32(HALF_BUFFER_AT + 4 * i, words[i]);
    }
    handoff->open_buffer_sr = bus_r32(HALF_BUFFER_AT);

    handoff->dtb_magic = bus_r32(RAM_BASE);
    bus_w32(RAM_BASE, 0);
    handoff->magic = HANDOFF_MAGIC;
    con_line("reset: boot one leaves flash1 mid-buffer with SR.4 set, flash0 in CFI mode; PSCI SYSTEM_RESET");
    reset_with_flash0_in_cfi_mode();
    con_line("reset: PSCI SYSTEM_RESET returned");
    handoff->magic = 0;
    exit(EXIT_CHECK_FAILED);
}

static void boot_two(void)
{
    con_line("reset: boot two");
    scenario("reset-before");
    check32("boot one: erase status 0x80", BOTH(SR_READY), handoff->erase_sr);
    check32("boot one: word program status 0x80", BOTH(SR_READY), handoff->program_sr);
    check32("boot one: window-crossing buffer left SR.4", BOTH(SR_READY | SR_PROGRAM_ERROR), handoff->crossing_sr);
    check32("boot one: status with half a buffer open, SR.4 still set", BOTH(SR_READY | SR_PROGRAM_ERROR),
            handoff->open_buffer_sr);
    check32("boot one: device tree magic before it was overwritten", DTB_MAGIC_LE, handoff->dtb_magic);

    scenario("reset-flash-state");
    check32("flash1 reads array data with no command first", PROGRAMMED_WORD, bus_r32(PROGRAMMED_AT));
    check_fill32("the half-filled buffer was dropped", HALF_BUFFER_AT, 32, 0xffffffffu);
    check_fill32("the window-crossing buffer programmed nothing", CROSSING_AT, 8, 0xffffffffu);
    check32("status after the reset: 0x80 (SR.4 cleared)", BOTH(SR_READY), cfi_status(TARGET_BLOCK));
    cfi_read_array(TARGET_BLOCK);
    for (unsigned i = 0; i < 8; i++) {
        words[i] = pattern_word(NEW_BUFFER_SEED, i);
    }
    check32("a new buffered program: status 0x80", BOTH(SR_READY),
            cfi_buffered(HALF_BUFFER_AT, words, 8, HALF_BUFFER_AT));
    check_pattern32("the new buffer programmed", HALF_BUFFER_AT, 8, NEW_BUFFER_SEED);

    scenario("reset-ram");
    check32("the hand-off block in RAM was kept", HANDOFF_MAGIC, handoff->magic);
    check32("the device tree was copied again", DTB_MAGIC_LE, bus_r32(RAM_BASE));
    check32("flash0 reads back as code (read-array)", A64_MSR_DAIFSET_F, bus_r32(FLASH0_BASE));
    handoff->magic = 0;
}

int main(void)
{
    if (handoff->magic != HANDOFF_MAGIC) {
        con_line("reset: flash state across a PSCI SYSTEM_RESET");
        boot_one();
    }
    boot_two();
    return report_finish();
}
