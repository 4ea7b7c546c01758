/*
 * The guest's own page tables: the payload turns the MMU on (4 KiB granule, 39-bit VAs in both halves) and checks
 * that the CPU honours them, as QEMU does.
 *
 *   TTBR0: 0x0000_0000..0x0A00_0000 and RAM identity-mapped with 2 MiB blocks (flash0 and RAM Normal, the rest
 *          Device); 4 KiB test pages at TEST_VA (0x3000_0000) in one level-3 table.
 *   TTBR1: flash bank 1 at HI_BANK1 = 0xFFFF_FF80_0000_0000 (Device, 2 MiB blocks).
 *
 * Faults are served by an exception hook that edits the tables and returns to the faulting instruction (which runs
 * again), recording each ESR and FAR; the checks compare them with the values the architecture gives.
 */
#include "check.h"
#include "cfi.h"

#define PAGE            0x1000ul
#define TABLES          0x40400000ul                 /* page tables: 4 KiB each */
#define L1_LO           (TABLES + 0 * PAGE)
#define L2_LO0          (TABLES + 1 * PAGE)          /* VA 0..1 GiB */
#define L2_LO1          (TABLES + 2 * PAGE)          /* VA 1..2 GiB (RAM) */
#define L1_HI           (TABLES + 3 * PAGE)
#define L2_HI           (TABLES + 4 * PAGE)
#define L3_TEST         (TABLES + 5 * PAGE)
#define DATA            0x40600000ul                 /* backing pages for the test mappings */
#define DATA_PAGE(n)    (DATA + (n) * PAGE)

#define TEST_VA         0x30000000ul                 /* L2_LO0 entry 384: the level-3 test table */
#define TEST_PAGE(n)    (TEST_VA + (n) * PAGE)
#define HI_BANK1        0xFFFFFF8000000000ul

/* a 2 MiB block at BLOCK_VA (L2_LO0 entry 400), mapped to BLOCK_A or BLOCK_B in RAM */
#define BLOCK_VA        0x32000000ul
#define BLOCK_A         0x41000000ul
#define BLOCK_B         0x41200000ul
#define BLOCK_LAST      0x1ffff8ul                   /* the block's last 8 bytes */

/* descriptors */
#define D_TABLE         3ul
#define D_BLOCK         1ul
#define D_PAGE          3ul
#define D_AF            (1ul << 10)
#define D_SH_INNER      (3ul << 8)
#define D_AP_EL0_RW     (1ul << 6)
#define D_AP_EL1_RO     (2ul << 6)
#define D_AP_RO         (3ul << 6)
#define D_PXN           (1ul << 53)
#define D_UXN           (1ul << 54)
#define D_NORMAL        (1ul << 2)                   /* MAIR index 1 */
#define D_DEVICE        (0ul << 2)                   /* MAIR index 0 */
#define BLOCK_NORMAL    (D_BLOCK | D_AF | D_SH_INNER | D_NORMAL)
#define BLOCK_DEVICE    (D_BLOCK | D_AF | D_DEVICE | D_PXN | D_UXN)
#define PAGE_NORMAL     (D_PAGE | D_AF | D_SH_INNER | D_NORMAL)

#define MAIR_VALUE      0xFF00ul                     /* index 0 Device-nGnRnE, index 1 Normal write-back */
/* T0SZ = T1SZ = 25, TG0 = 4 KiB, TG1 = 4 KiB, inner-shareable write-back walks, IPS = 40 bits */
#define TCR_VALUE       (25ul | (1ul << 8) | (1ul << 10) | (3ul << 12) | (0ul << 14) \
                         | (25ul << 16) | (1ul << 24) | (1ul << 26) | (3ul << 28) | (2ul << 30) | (2ul << 32))
#define SCTLR_M         (1ul << 0)
#define SCTLR_C         (1ul << 2)
#define SCTLR_I         (1ul << 12)

#define ESR_IL          (1u << 25)
#define ESR_WNR         (1u << 6)
#define FSC_TRANSLATION_L3  0x07
#define FSC_ACCESS_FLAG_L3  0x0B
#define FSC_PERMISSION_L3   0x0F
#define EC_SVC64        0x15

/* user code, alone in its page of flash0 (mapped for EL0 at USER_CODE_VA) */
__asm__(
    "   .section .text.user, \"ax\"\n"
    "   .balign 4096\n"
    "   .global user_task\n"
    "user_task:\n"                  /* x0 = address to read, x1 = address to store to; returns through SVC */
    "   ldr x2, [x0]\n"
    "   add x2, x2, #1\n"
    "   str x2, [x1]\n"
    "   ldr x3, [x1]\n"
    "   add x0, x3, #1\n"
    "   svc #0\n"
    "1: b 1b\n"
    "   .global user_hvc\n"
    "user_hvc:\n"                   /* HVC at EL0 is undefined: the EL1 handler gets it */
    "   hvc #0\n"
    "2: b 2b\n"
    "   .balign 4096\n"
    "   .text\n"
    /* void enter_el0(uint64_t pc, uint64_t x0, uint64_t x1): ERET to EL0t at pc, interrupts masked */
    "   .global enter_el0\n"
    "enter_el0:\n"
    "   msr elr_el1, x0\n"
    "   mov x3, #0x3c0\n"
    "   msr spsr_el1, x3\n"
    "   mov x0, x1\n"
    "   mov x1, x2\n"
    "   eret\n");
extern char user_task[], user_hvc[];
void enter_el0(uint64_t pc, uint64_t x0, uint64_t x1);

#define USER_CODE_VA    TEST_PAGE(16)
#define USER_READ_VA    TEST_PAGE(17)
#define USER_WRITE_VA   TEST_PAGE(18)

static volatile uint64_t *const l3 = (volatile uint64_t *)L3_TEST;

/* what the fault hook saw (volatile: shared with the exception handler, which the compiler does not see run) */
#define MAX_FAULTS 8
static volatile uint64_t fault_esr[MAX_FAULTS], fault_far[MAX_FAULTS];
static volatile int faults;
static volatile uint64_t svc_x0;
/* where the hook maps a page that takes a translation fault: backing page per test page (0 = none) */
static volatile uint64_t backing[32];
static volatile uint64_t backing_attrs[32];

static void barrier_tables(void)
{
    __asm__ volatile("dsb ishst\n\tisb" : : : "memory");
}

static void tlbi_page(uint64_t va)
{
    __asm__ volatile("dsb ishst\n\ttlbi vae1, %0\n\tdsb ish\n\tisb" : : "r"(va >> 12) : "memory");
}

/* what a kernel does after patching code through another VA: clean and invalidate the line at the code's own VA */
static void sync_code(uint64_t va)
{
    __asm__ volatile("dc cvau, %0\n\tdsb ish\n\tic ivau, %0\n\tdsb ish\n\tisb" : : "r"(va) : "memory");
}

static void tlbi_all(void)
{
    __asm__ volatile("dsb ishst\n\ttlbi vmalle1\n\tdsb ish\n\tisb" : : : "memory");
}

static int on_exception(struct exc_frame *f)
{
    uint32_t ec = ESR_EC(f->esr);
    if ((ec == EC_SVC64 || ec == EC_UNKNOWN) && (f->spsr & 0xf) == 0) {
        /* the EL0 task is done (or hit an undefined instruction): back to EL1 through the armed trap */
        svc_x0 = f->x[0];
        f->spsr = 0x3c5;
        return 0;
    }
    if (ec != EC_DATA_ABORT_SAME && ec != EC_DATA_ABORT_LOWER && ec != EC_INSN_ABORT_SAME
        && ec != EC_INSN_ABORT_LOWER) {
        return 0;
    }
    if (faults == MAX_FAULTS || f->far < TEST_VA || f->far >= TEST_PAGE(32)) {
        return 0;
    }
    fault_esr[faults] = f->esr;
    fault_far[faults] = f->far;
    faults++;
    unsigned n = (unsigned)((f->far - TEST_VA) / PAGE);
    uint32_t fsc = f->esr & 0x3f;
    if (fsc == FSC_TRANSLATION_L3 && backing[n]) {
        l3[n] = backing[n] | backing_attrs[n];
        barrier_tables();            /* an invalid entry is never cached: no TLBI needed */
        return 1;
    }
    if (fsc == FSC_ACCESS_FLAG_L3) {
        l3[n] |= D_AF;
        barrier_tables();
        return 1;
    }
    if (fsc == FSC_PERMISSION_L3) {
        l3[n] &= ~D_AP_EL1_RO;       /* writable now; the old entry may be cached */
        tlbi_page(f->far);
        return 1;
    }
    return 0;
}

static void zero_page(uint64_t pa)
{
    for (uint64_t i = 0; i < PAGE; i += 8) {
        *(volatile uint64_t *)(pa + i) = 0;
    }
}

static void build_tables(void)
{
    for (int i = 0; i < 6; i++) {
        zero_page(TABLES + i * PAGE);
    }
    volatile uint64_t *l1lo = (volatile uint64_t *)L1_LO, *l2lo0 = (volatile uint64_t *)L2_LO0;
    volatile uint64_t *l2lo1 = (volatile uint64_t *)L2_LO1;
    volatile uint64_t *l1hi = (volatile uint64_t *)L1_HI, *l2hi = (volatile uint64_t *)L2_HI;
    l1lo[0] = L2_LO0 | D_TABLE;
    l1lo[1] = L2_LO1 | D_TABLE;
    for (uint64_t i = 0; i < 32; i++) {           /* flash0: Normal, EL1 read/write, executable */
        l2lo0[i] = (i << 21) | BLOCK_NORMAL;
    }
    for (uint64_t i = 32; i < 80; i++) {          /* flash1, GIC, UART, ...: Device */
        l2lo0[i] = (i << 21) | BLOCK_DEVICE;
    }
    l2lo0[TEST_VA >> 21] = L3_TEST | D_TABLE;
    for (uint64_t i = 0; i < 64; i++) {           /* RAM 0x4000_0000..0x4800_0000 */
        l2lo1[i] = (0x40000000ul + (i << 21)) | BLOCK_NORMAL;
    }
    l1hi[0] = L2_HI | D_TABLE;
    for (uint64_t i = 0; i < 32; i++) {           /* flash1 again, at HI_BANK1 */
        l2hi[i] = (FLASH1_BASE + (i << 21)) | BLOCK_DEVICE;
    }
    barrier_tables();
}

static void mmu_on(void)
{
    uint64_t sctlr;
    __asm__ volatile(
        "msr mair_el1, %1\n\t"
        "msr tcr_el1, %2\n\t"
        "msr ttbr0_el1, %3\n\t"
        "msr ttbr1_el1, %4\n\t"
        "isb\n\t"
        "tlbi vmalle1\n\t"
        "dsb ish\n\t"
        "isb\n\t"
        "mrs %0, sctlr_el1\n\t"
        "orr %0, %0, %5\n\t"
        "msr sctlr_el1, %0\n\t"
        "isb"
        : "=&r"(sctlr)
        : "r"(MAIR_VALUE), "r"(TCR_VALUE), "r"(L1_LO), "r"(L1_HI), "r"(SCTLR_M | SCTLR_C | SCTLR_I)
        : "memory");
}

static uint64_t esr_data(int lower, int write, uint32_t fsc)
{
    return ((uint64_t)(lower ? EC_DATA_ABORT_LOWER : EC_DATA_ABORT_SAME) << 26) | ESR_IL | (write ? ESR_WNR : 0)
           | fsc;
}

static void check_fault(int i, const char *esr_what, uint64_t esr, const char *far_what, uint64_t far)
{
    check32(esr_what, (uint32_t)esr, i < faults ? (uint32_t)fault_esr[i] : 0);
    check64(far_what, far, i < faults ? fault_far[i] : 0);
}

int main(void)
{
    con_line("mmu: the guest's page tables, as the CPU must honour them");
    exception_hook = on_exception;
    build_tables();
    mmu_on();

    scenario("mmu-identity");
    *(volatile uint32_t *)DATA_PAGE(0) = 0x12345678u;
    check32("flash0 code runs with the MMU on; RAM reads back", 0x12345678u, *(volatile uint32_t *)DATA_PAGE(0));
    cfi_cmd(FLASH1_BASE, CFI_QUERY);
    check32("CFI query of flash1 at its identity address: 'Q'", BOTH('Q'), cfi_read_index(FLASH1_BASE, CFI_IDX_QRY));
    cfi_cmd(FLASH1_BASE, CFI_READ_ARRAY);

    scenario("mmu-bank1-high-va");
    {
        uintptr_t hi = HI_BANK1;
        cfi_cmd(hi, CFI_QUERY);
        check32("CFI 'Q' at the high address", BOTH('Q'), cfi_read_index(hi, CFI_IDX_QRY));
        check32("CFI 'R'", BOTH('R'), cfi_read_index(hi, CFI_IDX_QRY + 1));
        check32("CFI 'Y'", BOTH('Y'), cfi_read_index(hi, CFI_IDX_QRY + 2));
        check32("the same answer through the identity address", BOTH('Q'),
                cfi_read_index(FLASH1_BASE, CFI_IDX_QRY));
        cfi_cmd(hi, CFI_READ_ARRAY);
        uintptr_t block = hi + 5 * FLASH_BLOCK_SIZE;
        check32("erase a block through the high address: status 0x80", BOTH(SR_READY), cfi_erase(block));
        check32("program a word there: status 0x80", BOTH(SR_READY), cfi_program32(block + 0x100, 0xc0ffee11u));
        check32("reads back at the high address", 0xc0ffee11u, bus_r32(block + 0x100));
        check32("and at the identity address", 0xc0ffee11u, bus_r32(FLASH1_BASE + 5 * FLASH_BLOCK_SIZE + 0x100));
        check32("erased word next to it", 0xffffffffu, bus_r32(block + 0x104));
    }

    scenario("mmu-ram-alias");
    {
        l3[0] = DATA_PAGE(1) | PAGE_NORMAL | D_PXN | D_UXN;
        l3[1] = DATA_PAGE(1) | PAGE_NORMAL | D_PXN | D_UXN;
        barrier_tables();
        volatile uint64_t *a = (volatile uint64_t *)(TEST_PAGE(0) + 0x88);
        volatile uint64_t *b = (volatile uint64_t *)(TEST_PAGE(1) + 0x88);
        *a = 0x1111222233334444ul;
        check64("written at one VA, read at the other", 0x1111222233334444ul, *b);
        *b = 0x5555666677778888ul;
        check64("and back", 0x5555666677778888ul, *a);
        check64("the physical page holds it", 0x5555666677778888ul, *(volatile uint64_t *)(DATA_PAGE(1) + 0x88));
    }

    scenario("mmu-fault-retry");
    {
        *(volatile uint64_t *)(DATA_PAGE(2) + 0x18) = 0xabcdef0123456789ul;
        backing[2] = DATA_PAGE(2);
        backing_attrs[2] = PAGE_NORMAL | D_PXN | D_UXN;
        faults = 0;
        check64("a load from an unmapped page returns the data once the handler mapped it", 0xabcdef0123456789ul,
                *(volatile uint64_t *)(TEST_PAGE(2) + 0x18));
        check32("one fault", 1, faults);
        check_fault(0, "ESR: data abort, same EL, translation fault level 3", esr_data(0, 0, FSC_TRANSLATION_L3),
                    "FAR: the address loaded", TEST_PAGE(2) + 0x18);

        /* access flag clear, then read-only: a store faults twice, retried each time */
        *(volatile uint32_t *)(DATA_PAGE(3) + 0x40) = 7;
        l3[3] = (DATA_PAGE(3) | PAGE_NORMAL | D_AP_EL1_RO | D_PXN | D_UXN) & ~D_AF;
        barrier_tables();
        faults = 0;
        *(volatile uint32_t *)(TEST_PAGE(3) + 0x44) = 0x600d;
        check32("the store landed after two fixes", 0x600d, *(volatile uint32_t *)(DATA_PAGE(3) + 0x44));
        check32("two faults", 2, faults);
        check_fault(0, "ESR: access flag fault, write", esr_data(0, 1, FSC_ACCESS_FLAG_L3),
                    "FAR: the address stored to", TEST_PAGE(3) + 0x44);
        check_fault(1, "ESR: permission fault, write", esr_data(0, 1, FSC_PERMISSION_L3),
                    "FAR: the same address", TEST_PAGE(3) + 0x44);

        /* an instruction fetch from an unmapped page: the handler maps code there */
        static const uint32_t code[2] = {0xd2800540u /* mov x0, #42 */, 0xd65f03c0u /* ret */};
        for (int i = 0; i < 2; i++) {
            *(volatile uint32_t *)(DATA_PAGE(4) + 0x20 + 4 * i) = code[i];
        }
        __asm__ volatile("dc cvau, %0\n\tdsb ish\n\tic iallu\n\tdsb ish\n\tisb" : : "r"(DATA_PAGE(4) + 0x20)
                         : "memory");
        backing[4] = DATA_PAGE(4);
        backing_attrs[4] = PAGE_NORMAL | D_AP_RO | D_UXN;
        faults = 0;
        uint64_t (*fn)(void) = (uint64_t (*)(void))(TEST_PAGE(4) + 0x20);
        check64("code fetched from a page mapped by the handler runs", 42, fn());
        check32("one fault", 1, faults);
        check_fault(0, "ESR: instruction abort, same EL, translation fault level 3",
                    ((uint64_t)EC_INSN_ABORT_SAME << 26) | ESR_IL | FSC_TRANSLATION_L3,
                    "FAR: the branch target", TEST_PAGE(4) + 0x20);
    }

    scenario("mmu-el0-page-fault");
    {
        static struct trap t;
        l3[16] = ((uint64_t)(uintptr_t)user_task) | PAGE_NORMAL | D_AP_RO | D_PXN;   /* EL0 may execute */
        *(volatile uint64_t *)(DATA_PAGE(5) + 8) = 41;
        backing[17] = DATA_PAGE(5);
        backing_attrs[17] = PAGE_NORMAL | D_AP_EL0_RW | D_PXN | D_UXN;
        zero_page(DATA_PAGE(6));
        backing[18] = DATA_PAGE(6);
        backing_attrs[18] = PAGE_NORMAL | D_AP_EL0_RW | D_PXN | D_UXN;
        barrier_tables();
        faults = 0;
        trap_arm(&t);
        if (trap_setjmp(&t.jmp) == 0) {
            enter_el0(USER_CODE_VA, USER_READ_VA + 8, USER_WRITE_VA + 0x10);
            trap_disarm();
            check_true("the EL0 task came back through SVC", 0);
        } else {
            check32("the EL0 task came back through SVC", EC_SVC64, (uint32_t)ESR_EC(t.esr));
            check64("it read the value the handler mapped, stored and reread it", 43, svc_x0);
            check64("its store is in the page the handler mapped", 42, *(volatile uint64_t *)(DATA_PAGE(6) + 0x10));
            check32("two page faults from EL0", 2, faults);
            check_fault(0, "ESR: data abort from EL0, translation fault, read", esr_data(1, 0, FSC_TRANSLATION_L3),
                        "FAR: the address it loaded", USER_READ_VA + 8);
            check_fault(1, "ESR: data abort from EL0, translation fault, write", esr_data(1, 1, FSC_TRANSLATION_L3),
                        "FAR: the address it stored to", USER_WRITE_VA + 0x10);
        }
    }

    scenario("mmu-el0-hvc-undefined");
    {
        static struct trap t;
        uint64_t at = USER_CODE_VA + (uint64_t)(user_hvc - user_task);
        trap_arm(&t);
        if (trap_setjmp(&t.jmp) == 0) {
            enter_el0(at, 0x84000000u /* PSCI_VERSION, were it a call */, 0);
            trap_disarm();
            check_true("HVC at EL0 is an undefined instruction", 0);
        } else {
            check32("HVC at EL0 is an undefined instruction: ESR EC 0, IL", ESR_IL, (uint32_t)t.esr);
            check64("ELR: the HVC", at, t.elr);
        }
    }

    scenario("mmu-tlbi-after-remap");
    {
        /* at the end of the page: a TLB that tracks smaller pages than the guest's must still drop all of it */
        *(volatile uint64_t *)(DATA_PAGE(7) + 0xff8) = 0xaaaa;
        *(volatile uint64_t *)(DATA_PAGE(8) + 0xff8) = 0xbbbb;
        *(volatile uint64_t *)(DATA_PAGE(9) + 0xff8) = 0xcccc;
        volatile uint64_t *v = (volatile uint64_t *)(TEST_PAGE(5) + 0xff8);
        l3[5] = DATA_PAGE(7) | PAGE_NORMAL | D_PXN | D_UXN;
        barrier_tables();
        check64("mapped to the first page", 0xaaaa, *v);
        l3[5] = DATA_PAGE(8) | PAGE_NORMAL | D_PXN | D_UXN;
        tlbi_page(TEST_PAGE(5));
        check64("remapped, TLBI VAE1: the second page", 0xbbbb, *v);
        l3[5] = DATA_PAGE(9) | PAGE_NORMAL | D_PXN | D_UXN;
        tlbi_all();
        check64("remapped, TLBI VMALLE1: the third page", 0xcccc, *v);
        l3[5] = 0;
        tlbi_page(TEST_PAGE(5));
        backing[5] = 0;
        static struct trap t;
        trap_arm(&t);
        if (trap_setjmp(&t.jmp) == 0) {
            (void)*v;
            trap_disarm();
            check_true("unmapped, TLBI VAE1: the load faults", 0);
        } else {
            check32("unmapped, TLBI VAE1: the load faults", (uint32_t)esr_data(0, 0, FSC_TRANSLATION_L3),
                    (uint32_t)t.esr);
        }
    }

    scenario("mmu-tlbi-block");
    {
        /* a TLBI by address drops the block that translates it, all of it: here, entries for its last page */
        volatile uint64_t *l2lo0 = (volatile uint64_t *)L2_LO0;
        *(volatile uint64_t *)(BLOCK_A + BLOCK_LAST) = 0x1111;
        *(volatile uint64_t *)(BLOCK_B + BLOCK_LAST) = 0x2222;
        volatile uint64_t *v = (volatile uint64_t *)(BLOCK_VA + BLOCK_LAST);
        l2lo0[BLOCK_VA >> 21] = BLOCK_A | BLOCK_NORMAL | D_PXN | D_UXN;
        barrier_tables();
        check64("block mapped to the first 2 MiB: its last bytes", 0x1111, *v);
        l2lo0[BLOCK_VA >> 21] = BLOCK_B | BLOCK_NORMAL | D_PXN | D_UXN;
        tlbi_page(BLOCK_VA);
        check64("block remapped, TLBI VAE1 of its first page: its last bytes", 0x2222, *v);
        l2lo0[BLOCK_VA >> 21] = 0;
        tlbi_page(BLOCK_VA);
    }

    scenario("mmu-code-alias");
    {
        /* code written through one VA and run through another, as a kernel patches its text through a fixmap */
        l3[20] = DATA_PAGE(12) | PAGE_NORMAL | D_UXN;              /* the code: executable at EL1 */
        l3[21] = DATA_PAGE(12) | PAGE_NORMAL | D_PXN | D_UXN;      /* a writable alias of it */
        barrier_tables();
        volatile uint32_t *alias = (volatile uint32_t *)TEST_PAGE(21);
        uint64_t (*code)(void) = (uint64_t (*)(void))TEST_PAGE(20);
        alias[0] = 0xd2800020;                                     /* mov x0, #1 */
        alias[1] = 0xd65f03c0;                                     /* ret */
        sync_code(TEST_PAGE(20));
        check64("written at the alias, run at the code's VA", 1, code());
        alias[0] = 0xd2800040;                                     /* mov x0, #2 */
        sync_code(TEST_PAGE(20));
        check64("rewritten at the alias, IC IVAU at the code's VA: the new code runs", 2, code());
        l3[20] = 0;
        l3[21] = 0;
        tlbi_all();
    }

    return report_finish();
}
