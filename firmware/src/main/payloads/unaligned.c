/*
 * Unaligned loads and stores with the MMU off. Neither QEMU 7.2 nor Unicorn raises an alignment fault for them (the
 * architecture would: with SCTLR_EL1.M = 0 data accesses are Device memory), so firmware that does them runs on
 * both; what matters here is how such an access reaches a flash bank in a command mode, where every bus cycle is
 * decoded. How the CPU layer cuts an unaligned access differs between QEMU versions:
 *
 *   loads:  QEMU 7.2 (and Unicorn 2.1, built on QEMU 5) make two naturally aligned loads of the full size and shift
 *           the bytes together; upstream QEMU (8.1 on) loads aligned pieces of the access itself, smallest first
 *   stores: QEMU 7.2 stores the value byte by byte; upstream QEMU stores aligned pieces (a 4-byte store at word + 2
 *           is two 2-byte cycles) - and so does our board, whose flash bus splits accesses as upstream does
 *
 *   unaligned-ram: 4- and 8-byte loads at odd RAM addresses return the bytes in between
 *   unaligned-array-reads: the same in read-array mode over a programmed pattern (every model agrees)
 *   unaligned-cfi-reads: 2-, 4- and 8-byte loads at odd offsets in CFI mode give one of the two load models' values
 *     note unaligned-device-load: two aligned loads (QEMU 7.2, Unicorn)   or   aligned pieces (upstream)
 *   unaligned-store-command: 0x40, then an unaligned 4-byte store whose bytes are 0x40 0x00 0x98 0x00; as bytes: one
 *     byte programmed, read-array, CFI query, ignored; as 2-byte pieces: two bytes programmed, CFI query
 *     note unaligned-device-store: byte cycles (QEMU 7.2)   or   aligned pieces (upstream)
 */
#include "check.h"
#include "cfi.h"

#define BLOCK1(n) (FLASH1_BASE + (uintptr_t)(n) * FLASH_BLOCK_SIZE)

static volatile uint32_t ram[4] = { 0x11223344u, 0x55667788u, 0x99aabbccu, 0xddeeff00u };

static void unaligned_ram(void)
{
    scenario("unaligned-ram");
    uintptr_t a = (uintptr_t)&ram[0];
    check32("4-byte load at +1", 0x88112233u, bus_r32(a + 1));
    check32("4-byte load at +3", 0x66778811u, bus_r32(a + 3));
    check64("8-byte load at +2", 0xbbcc556677881122ull, bus_r64(a + 2));
}

/* An unaligned load of `size` bytes at `a` as two aligned loads of that size, shifted together (QEMU 7.2). */
static uint64_t two_aligned_loads(uintptr_t a, int size)
{
    uintptr_t lo = a & ~(uintptr_t)(size - 1);
    unsigned __int128 both;
    switch (size) {
    case 2: both = bus_r16(lo) | (unsigned __int128)bus_r16(lo + 2) << 16; break;
    case 4: both = bus_r32(lo) | (unsigned __int128)bus_r32(lo + 4) << 32; break;
    default: both = bus_r64(lo) | (unsigned __int128)bus_r64(lo + 8) << 64; break;
    }
    uint64_t v = (uint64_t)(both >> (8 * (a - lo)));
    return size == 8 ? v : v & ((1ull << (8 * size)) - 1);
}

/* The same load as aligned pieces, each as large as the lowest set bit of (remaining | address | 4) (upstream). */
static uint64_t aligned_pieces(uintptr_t a, int size)
{
    uint64_t v = 0;
    for (int done = 0; done < size; ) {
        uintptr_t at = a + done;
        unsigned rest = (unsigned)(size - done) | (unsigned)at | 4u;
        int piece = (int)(rest & -rest);
        uint64_t p = piece == 1 ? bus_r8(at) : piece == 2 ? bus_r16(at) : bus_r32(at);
        v |= p << (8 * done);
        done += piece;
    }
    return v;
}

static void unaligned_cfi(void)
{
    static const struct { uint32_t off; int size; } loads[] = {
        { 0x41, 4 }, { 0x42, 4 }, { 0x43, 4 }, { 0x43, 2 }, { 0x41, 8 },
    };
    enum { N = sizeof loads / sizeof loads[0] };
    uint64_t got[N], two[N], pieces[N];
    scenario("unaligned-cfi-reads");
    cfi_cmd(FLASH1_BASE, CFI_QUERY);
    for (int i = 0; i < N; i++) {
        uintptr_t a = FLASH1_BASE + loads[i].off;
        got[i] = loads[i].size == 2 ? bus_r16(a) : loads[i].size == 4 ? bus_r32(a) : bus_r64(a);
        two[i] = two_aligned_loads(a, loads[i].size);
        pieces[i] = aligned_pieces(a, loads[i].size);
    }
    cfi_read_array(FLASH1_BASE);
    int all_two = 1, all_pieces = 1;
    for (int i = 0; i < N; i++) {
        all_two &= got[i] == two[i];
        all_pieces &= got[i] == pieces[i];
    }
    check_true("the two load models give different values here", two[0] != pieces[0]);
    check_true("every load is two aligned loads, or every load is aligned pieces", all_two || all_pieces);
    check64("4-byte load at 0x41 as two aligned loads would give it", 0x52005100u, two[0]);
    note("unaligned-device-load", all_two ? "two aligned loads (QEMU 7.2, Unicorn)" : "aligned pieces (upstream)");
}

static void unaligned_array(void)
{
    scenario("unaligned-array-reads");
    uintptr_t b = BLOCK1(2);
    check32("erase: status 0x80", BOTH(SR_READY), cfi_erase(b));
    check32("program 0x44332211", BOTH(SR_READY), cfi_program32(b, 0x44332211u));
    check32("program 0x88776655", BOTH(SR_READY), cfi_program32(b + 4, 0x88776655u));
    check32("4-byte load at +1", 0x55443322u, bus_r32(b + 1));
    check16("2-byte load at +3", 0x5544u, bus_r16(b + 3));
    check64("8-byte load at +4 reaches the erased word", 0xffffffff88776655ull, bus_r64(b + 4));
}

static void unaligned_store(void)
{
    scenario("unaligned-store-command");
    uintptr_t b = BLOCK1(3);
    check32("erase: status 0x80", BOTH(SR_READY), cfi_erase(b));
    cfi_cmd(b, CFI_WORD_PROGRAM);
    bus_w32(b + 2, 0x00980040u);
    uint32_t q = bus_r32(FLASH1_BASE + 0x40);
    cfi_read_array(b);
    uint32_t w = bus_r32(b);
    int bytes = w == 0xff40ffffu, pieces = w == 0x0040ffffu;
    check32("either way the bank ends in CFI mode ('Q')", BOTH('Q'), q);
    check_true("one byte programmed (byte cycles) or two (2-byte pieces)", bytes || pieces);
    check32("the next word is still erased", 0xffffffffu, bus_r32(b + 4));
    note("unaligned-device-store", bytes ? "byte cycles (QEMU 7.2)" : "aligned pieces (upstream)");
}

int main(void)
{
    con_line("unaligned: unaligned accesses with the MMU off, in RAM and in flash command modes");
    unaligned_ram();
    unaligned_cfi();
    unaligned_array();
    unaligned_store();
    return report_finish();
}
