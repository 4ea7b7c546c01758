/*
 * Code executing from the very bank it commands.
 *
 * flash_self_command (runtime/selfcmd.S, in flash0) writes a command to flash0 and then fetches its next
 * instruction from flash0. In read-status, read-identifier and CFI-query mode that fetch returns a status/ID/CFI
 * word (0x00800080, 0x00890089, 0x00000000, ...), all of which are UNDEFINED in A64: the CPU takes an Undefined
 * Instruction exception (EC 0x00) at the fetch address. The vector table is in RAM; its entry puts flash0 back into
 * read-array mode before any flash code runs, and the armed trap resumes here. The emulator must neither crash nor
 * run the stale (read-array) instruction.
 */
#include "check.h"
#include "cfi.h"
#include "busscript.h"

void flash_self_command(uintptr_t addr, uint32_t word);
void flash_self_command_same_page(uintptr_t addr, uint32_t word);
extern const uint32_t flash_self_command_fetch[];
extern const uint32_t flash_self_command_same_page_fetch[];

#define A64_NOP 0xd503201fu
#define A64_UDF(imm) ((uint32_t)(imm) & 0xffffu)

static struct trap t;
static struct bus_script bs;

/* a control: the trap mechanism itself, with an architecturally undefined instruction */
static void trap_control(void)
{
    scenario("trap-control-udf");
    trap_arm(&t);
    if (trap_setjmp(&t.jmp) == 0) {
        __asm__ volatile(".global udf_site\nudf_site: udf #0x1234" : : : "memory");
        trap_disarm();
    }
    extern const uint32_t udf_site[];
    check_true("udf #0x1234 raised an exception", t.taken);
    check8("exception class is Unknown (0x00)", EC_UNKNOWN, ESR_EC(t.esr));
    check64("ELR is the udf", (uintptr_t)udf_site, t.elr);
}

static void self_command(const char *name, uint8_t cmd, const char *what)
{
    scenario(name);
    trap_arm(&t);
    if (trap_setjmp(&t.jmp) == 0) {
        flash_self_command(FLASH0_BASE, BOTH(cmd));
        trap_disarm();
    }
    check_true(what, t.taken);
    check8("exception class is Unknown (0x00): the fetched word is undefined", EC_UNKNOWN, ESR_EC(t.esr));
    check64("ELR is the first instruction fetched after the command", (uintptr_t)flash_self_command_fetch, t.elr);
    /* the vector entry has put flash0 back into read-array mode: the code reads as code again */
    check32("flash0 reads the nop again (read-array)", A64_NOP, bus_r32((uintptr_t)flash_self_command_fetch));
    /* the status register did not change: SR.7 from power-on, no error bits */
    bs_init(&bs);
    bs_w32(&bs, FLASH0_BASE, BOTH(CFI_READ_STATUS));
    int sr = bs_r32(&bs, FLASH0_BASE);
    bs_run(&bs);
    check32("flash0 status unchanged (0x80 in both halves)", BOTH(SR_READY), (uint32_t)bs_value(&bs, sr));
}

/* What the three modes return at the fetch address, read as data from RAM code: the words the CPU fetched. */
static void fetched_words(void)
{
    scenario("self-command-fetched-words");
    uintptr_t at = (uintptr_t)flash_self_command_fetch;
    uint32_t idx = (uint32_t)(at >> 2);
    bs_init(&bs);
    bs_w32(&bs, FLASH0_BASE, BOTH(CFI_READ_STATUS));
    int s = bs_r32(&bs, at);
    bs_w32(&bs, FLASH0_BASE, BOTH(CFI_READ_ARRAY));
    bs_w32(&bs, FLASH0_BASE, BOTH(CFI_READ_ID));
    int id = bs_r32(&bs, at);
    bs_w32(&bs, FLASH0_BASE, BOTH(CFI_READ_ARRAY));
    bs_w32(&bs, FLASH0_BASE, BOTH(CFI_QUERY));
    int q = bs_r32(&bs, at);
    bs_run(&bs);
    uint32_t id_expected = (idx & 0xff) == 0 ? BOTH(ID_MANUFACTURER_INTEL)
        : (idx & 0xff) == 1 ? BOTH(ID_DEVICE_VIRT) : 0;
    check32("read-status mode: the fetch address reads the status word", BOTH(SR_READY), (uint32_t)bs_value(&bs, s));
    check32("read-identifier mode: the fetch address reads ID(index & 0xff)", id_expected, (uint32_t)bs_value(&bs, id));
    check_true("the fetch address is past the CFI table", idx >= CFI_IDX_END);
    check32("CFI mode: the fetch address reads CFI(index) = 0", 0, (uint32_t)bs_value(&bs, q));
}

int main(void)
{
    con_line("self-command: code in flash0 commanding flash0");
    trap_control();
    fetched_words();
    self_command("self-command-read-status", CFI_READ_STATUS,
                 "0x70 to its own bank: the next fetch (a status word) raised an exception");
    self_command("self-command-cfi-query", CFI_QUERY,
                 "0x98 to its own bank: the next fetch (a CFI word) raised an exception");
    self_command("self-command-read-id", CFI_READ_ID,
                 "0x90 to its own bank: the next fetch (an identifier word) raised an exception");
    /* last, so that no translation of the fetch address exists before the command-mode runs */
    scenario("self-command-read-array");
    trap_arm(&t);
    if (trap_setjmp(&t.jmp) == 0) {
        flash_self_command(FLASH0_BASE, BOTH(CFI_READ_ARRAY));
        trap_disarm();
    }
    check_true("0xFF to its own bank: execution continues, no exception", !t.taken);

    /*
     * The same with store, ISB and fetch in one page, after a read-array run of the same code. Architecturally the
     * fetch after the ISB reads the status word. QEMU 7.2's TCG has linked the block ending at the ISB straight to
     * the read-array translation of the next instruction and runs it: the exception comes one return later, from
     * the caller's code (also fetched from flash0 in status mode). Both are reported; the note names which.
     */
    scenario("self-command-same-page");
    trap_arm(&t);
    if (trap_setjmp(&t.jmp) == 0) {
        flash_self_command_same_page(FLASH0_BASE, BOTH(CFI_READ_ARRAY));
        trap_disarm();
    }
    check_true("read-array run: no exception", !t.taken);
    trap_arm(&t);
    if (trap_setjmp(&t.jmp) == 0) {
        flash_self_command_same_page(FLASH0_BASE, BOTH(CFI_READ_STATUS));
        trap_disarm();
    }
    check_true("read-status run: an exception (from a fetched status word)", t.taken);
    check8("exception class is Unknown (0x00)", EC_UNKNOWN, ESR_EC(t.esr));
    if (t.elr == (uintptr_t)flash_self_command_same_page_fetch) {
        note("self-command-same-page", "status word fetched after the ISB (architectural)");
    } else {
        note("self-command-same-page", "stale translation ran after the ISB (QEMU 7.2 TCG block linking)");
    }
    return report_finish();
}
