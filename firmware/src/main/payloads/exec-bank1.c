/*
 * Program code into flash1, return it to read-array and run it; then change the code at the same address and run
 * it again. Each run must execute what flash holds now (the payload does what hardware needs: DSB, IC IALLU, ISB).
 *
 * Documented difference: QEMU 7.2 keeps its translations of flash code when the flash model programs or erases
 * (the model writes its storage behind TCG's back), so a second run at the same address executes the old code.
 * Those runs accept either value and print which one ran:
 *   note SCENARIO: new-code
 *   note SCENARIO: stale-code (QEMU 7.2 keeps translated flash code across program/erase)
 */
#include "check.h"
#include "cfi.h"

#define CODE_BLOCK  (FLASH1_BASE + 32 * FLASH_BLOCK_SIZE)   /* 0x04800000 */
#define A64_MOVZ_W0(imm) (0x52800000u | ((uint32_t)(imm) << 5))
#define A64_MOVK_W0_LSL16(imm) (0x72a00000u | ((uint32_t)(imm) << 5))
#define A64_RET 0xd65f03c0u
#define A64_ADD_W0_W0_1 0x11000400u

typedef uint32_t (*code_fn)(void);
static struct trap t;

static uint32_t call(uintptr_t at)
{
    sync_icache();
    return ((code_fn)at)();
}

static void run_changed(const char *name, uintptr_t at, uint32_t now, uint32_t before)
{
    uint32_t v = call(at);
    check_true("returned the value of the code in flash now, or of the code there before", v == now || v == before);
    note(name, v == now ? "new-code" : "stale-code (QEMU 7.2 keeps translated flash code across program/erase)");
}

static void program_two(uintptr_t at, uint32_t a, uint32_t b)
{
    check32("program first instruction: status 0x80", BOTH(SR_READY), cfi_program32(at, a));
    check32("program second instruction: status 0x80", BOTH(SR_READY), cfi_program32(at + 4, b));
}

int main(void)
{
    con_line("exec-bank1: program code into flash1 and run it");
    uintptr_t x = CODE_BLOCK;

    scenario("exec-programmed-code");
    check32("erase the code block: status 0x80", BOTH(SR_READY), cfi_erase(x));
    program_two(x, A64_MOVZ_W0(0x1111), A64_RET);
    check32("reads back the first instruction", A64_MOVZ_W0(0x1111), bus_r32(x));
    check32("runs and returns 0x1111", 0x1111, call(x));

    scenario("exec-after-reerase");
    check32("erase the code block again: status 0x80", BOTH(SR_READY), cfi_erase(x));
    check32("the old code is gone from the array", 0xffffffffu, bus_r32(x));
    program_two(x, A64_MOVZ_W0(0x2222), A64_RET);
    run_changed("exec-after-reerase", x, 0x2222, 0x1111);

    scenario("exec-after-overwrite");
    /* new code straight over the old, no erase: movz #0x2220 only clears bits of movz #0x2222, so it programs on real
     * NOR (program ANDs) and on QEMU (program overwrites) alike */
    program_two(x, A64_MOVZ_W0(0x2220), A64_RET);
    check32("reads back the overwritten instruction", A64_MOVZ_W0(0x2220), bus_r32(x));
    run_changed("exec-after-overwrite", x, 0x2220, 0x1111);

    scenario("exec-buffered-routine");
    {
        static uint32_t code[8];
        code[0] = A64_MOVZ_W0(0x0040);
        code[1] = A64_ADD_W0_W0_1;
        code[2] = A64_ADD_W0_W0_1;
        code[3] = A64_MOVK_W0_LSL16(0xbeef);
        code[4] = A64_RET;
        code[5] = code[6] = code[7] = 0;
        check32("buffered program of the routine: status 0x80", BOTH(SR_READY),
                cfi_buffered(x + 0x1000, code, 8, x + 0x1000));
        check32("runs it: 0xbeef0042", 0xbeef0042u, call(x + 0x1000));
    }

    scenario("exec-bank1-in-status-mode");
    /* the same code fetched while flash1 is in read-status mode: the fetch returns 0x00800080, undefined */
    cfi_cmd(x, CFI_READ_STATUS);
    trap_arm(&t);
    if (trap_setjmp(&t.jmp) == 0) {
        (void)call(x);
        trap_disarm();
    }
    cfi_read_array(x);
    check_true("calling into flash1 in read-status mode raised an exception", t.taken);
    check8("exception class is Unknown (0x00)", EC_UNKNOWN, ESR_EC(t.esr));
    check64("ELR is the first instruction in flash1", x, t.elr);
    run_changed("exec-bank1-in-status-mode", x, 0x2220, 0x1111);
    return report_finish();
}
