/*
 * The two banks are independent: code keeps running from flash0 (read-array) while flash1 sits in a command mode
 * or in the middle of a buffered program, and both banks can be in command modes at once (from RAM code, since
 * flash0 then cannot be executed). Status is one register per bank.
 */
#include "check.h"
#include "cfi.h"
#include "busscript.h"

#define BLOCK1(n) (FLASH1_BASE + (uintptr_t)(n) * FLASH_BLOCK_SIZE)
#define BANK0_SCRATCH (FLASH0_BASE + FLASH_BANK_SIZE - FLASH_BLOCK_SIZE)   /* flash0's last block: not the payload */
#define A64_MSR_DAIFSET_F 0xd5034fdfu   /* _start's first instruction (runtime/start.S) */

extern const char __data_load[];
static struct bus_script bs;
static uint32_t words[64];

/* some work done by flash0 code: a checksum of the payload's own image, read as data from flash0 */
static uint32_t checksum_flash0(void)
{
    uint32_t sum = 0;
    for (uintptr_t a = FLASH0_BASE; a < (uintptr_t)__data_load; a += 4) {
        sum = (sum << 5 | sum >> 27) ^ bus_r32(a);
    }
    return sum;
}

static void bank1_cfi_while_running(void)
{
    scenario("bank0-runs-while-bank1-in-cfi-mode");
    uint32_t reference = checksum_flash0();
    cfi_cmd(FLASH1_BASE, CFI_QUERY);
    uint32_t during = checksum_flash0();
    con_line("  (this line was printed by flash0 code while flash1 is in CFI mode)");
    uint32_t q = bus_r32(FLASH1_BASE + 0x40);
    cfi_read_array(FLASH1_BASE);
    check32("flash0 reads the same while flash1 is in CFI mode", reference, during);
    check32("flash1 stayed in CFI mode meanwhile", BOTH('Q'), q);
    cfi_cmd(FLASH1_BASE, CFI_READ_STATUS);
    during = checksum_flash0();
    uint32_t sr = bus_r32(FLASH1_BASE);
    cfi_read_array(FLASH1_BASE);
    check32("flash0 reads the same while flash1 is in status mode", reference, during);
    check32("flash1 stayed in status mode meanwhile", BOTH(SR_READY), sr);
    check32("flash0 word 0 is _start's first instruction", A64_MSR_DAIFSET_F, bus_r32(FLASH0_BASE));
}

static void bank1_buffer_open_while_running(void)
{
    scenario("bank0-runs-while-bank1-buffer-open");
    uintptr_t t = BLOCK1(3) + 0x1000;
    check32("erase: status 0x80", BOTH(SR_READY), cfi_erase(BLOCK1(3)));
    for (unsigned i = 0; i < 64; i++) {
        words[i] = pattern_word(0xC5000001, i);
    }
    cfi_cmd(t, CFI_WRITE_BUFFER);
    bus_w32(t, BOTH(63));
    for (unsigned i = 0; i < 32; i++) {
        bus_w32(t + 4 * i, words[i]);
    }
    con_line("  (printed by flash0 code with a half-filled buffer open in flash1)");
    uint32_t sum = checksum_flash0();
    for (unsigned i = 32; i < 64; i++) {
        bus_w32(t + 4 * i, words[i]);
    }
    cfi_cmd(t, CFI_CONFIRM);
    check32("confirm after the interlude: status 0x80", BOTH(SR_READY), bus_r32(t));
    cfi_read_array(t);
    check_pattern32("all 64 words programmed", t, 64, 0xC5000001);
    check32("flash0 checksum unaffected", checksum_flash0(), sum);
}

static void both_in_modes(void)
{
    scenario("both-banks-query-at-once");
    bs_init(&bs);
    bs_w32(&bs, FLASH0_BASE, BOTH(CFI_QUERY));
    bs_w32(&bs, FLASH1_BASE, BOTH(CFI_READ_ID));
    int q0 = bs_r32(&bs, FLASH0_BASE + 0x40);
    int id1 = bs_r32(&bs, FLASH1_BASE);
    int r0 = bs_r32(&bs, FLASH0_BASE + 0x44);
    int dev1 = bs_r32(&bs, FLASH1_BASE + 4);
    int b0 = bs_r8(&bs, FLASH0_BASE + 0x4B);
    bs_w32(&bs, FLASH1_BASE, BOTH(CFI_READ_ARRAY));
    bs_w32(&bs, FLASH0_BASE, BOTH(CFI_READ_ARRAY));
    int code0 = bs_r32(&bs, FLASH0_BASE);
    bs_w32(&bs, FLASH0_BASE, BOTH(CFI_READ_ID));
    int id0 = bs_r64(&bs, FLASH0_BASE);
    check_true("script ran", bs_run(&bs));
    check32("flash0 in CFI mode: 'Q'", BOTH('Q'), (uint32_t)bs_value(&bs, q0));
    check32("flash1 in identifier mode at the same time: 0x89", BOTH(ID_MANUFACTURER_INTEL), (uint32_t)bs_value(&bs, id1));
    check32("flash0 still CFI: 'R'", BOTH('R'), (uint32_t)bs_value(&bs, r0));
    check32("flash1 still identifier: 0x18", BOTH(ID_DEVICE_VIRT), (uint32_t)bs_value(&bs, dev1));
    check8("flash0 byte lane: 'Y'", 'Y', (uint8_t)bs_value(&bs, b0));
    check32("flash0 back in read-array: code", A64_MSR_DAIFSET_F, (uint32_t)bs_value(&bs, code0));
    check64("flash0 64-bit identifier read", 0x0018001800890089ull, bs_value(&bs, id0));
}

static void both_program(void)
{
    scenario("both-banks-program-at-once");
    uintptr_t l = BANK0_SCRATCH + 0x100, m = BLOCK1(5) + 0x100;
    bs_init(&bs);
    /* erase setup on both, confirms crossed */
    bs_w32(&bs, BANK0_SCRATCH, BOTH(CFI_BLOCK_ERASE));
    bs_w32(&bs, BLOCK1(5), BOTH(CFI_BLOCK_ERASE));
    bs_w32(&bs, FLASH0_BASE, BOTH(CFI_CONFIRM));
    bs_w32(&bs, FLASH1_BASE, BOTH(CFI_CONFIRM));
    int s0 = bs_r32(&bs, FLASH0_BASE);
    int s1 = bs_r32(&bs, FLASH1_BASE);
    /* status is per bank: clearing flash1 leaves flash0's */
    bs_w32(&bs, FLASH1_BASE, BOTH(CFI_CLEAR_STATUS));
    bs_w32(&bs, FLASH1_BASE, BOTH(CFI_READ_STATUS));
    bs_w32(&bs, FLASH0_BASE, BOTH(CFI_READ_STATUS));
    int c1 = bs_r32(&bs, FLASH1_BASE);
    int c0 = bs_r32(&bs, FLASH0_BASE);
    /* interleaved word programs: setup on flash0, setup on flash1, data to flash1, data to flash0 */
    bs_w32(&bs, FLASH0_BASE, BOTH(CFI_WORD_PROGRAM));
    bs_w32(&bs, FLASH1_BASE, BOTH(CFI_WORD_PROGRAM));
    bs_w32(&bs, m, 0xb1b1b1b1);
    bs_w32(&bs, l, 0xb0b0b0b0);
    bs_w32(&bs, FLASH0_BASE, BOTH(CFI_READ_ARRAY));
    bs_w32(&bs, FLASH1_BASE, BOTH(CFI_READ_ARRAY));
    int d0 = bs_r32(&bs, l);
    int d1 = bs_r32(&bs, m);
    check_true("script ran", bs_run(&bs));
    check32("flash0 erase status 0x80", BOTH(SR_READY), (uint32_t)bs_value(&bs, s0));
    check32("flash1 erase status 0x80", BOTH(SR_READY), (uint32_t)bs_value(&bs, s1));
    check32("flash1 after its own 0x50: no error bits", 0, (uint32_t)bs_value(&bs, c1) & BOTH(SR_ERRORS));
    check32("flash0 keeps its status: 0x80", BOTH(SR_READY), (uint32_t)bs_value(&bs, c0));
    check32("flash0 word programmed (read in the script)", 0xb0b0b0b0u, (uint32_t)bs_value(&bs, d0));
    check32("flash1 word programmed (read in the script)", 0xb1b1b1b1u, (uint32_t)bs_value(&bs, d1));
    check32("flash0 word programmed (read from flash code)", 0xb0b0b0b0u, bus_r32(l));
    check32("flash0 erased around it", 0xffffffffu, bus_r32(l + 4));
    check_fill32("flash0 scratch block erased except the word", BANK0_SCRATCH, 0x100, 0xffffffffu);
    check32("flash1 word programmed", 0xb1b1b1b1u, bus_r32(m));
    check32("flash0's code is intact", A64_MSR_DAIFSET_F, bus_r32(FLASH0_BASE));
}

int main(void)
{
    con_line("cross-bank: flash0 and flash1 side by side");
    bank1_cfi_while_running();
    bank1_buffer_open_while_running();
    both_in_modes();
    both_program();
    return report_finish();
}
