/* The usual CFI command sequences, in 32-bit bus cycles (see cfi.h). */
#include "cfi.h"
#include "check.h"
#include "busscript.h"

uint32_t cfi_status(uintptr_t addr)
{
    cfi_cmd(addr, CFI_READ_STATUS);
    return bus_r32(addr);
}

void cfi_clear_status(uintptr_t addr)
{
    cfi_cmd(addr, CFI_CLEAR_STATUS);
}

int note_clear_status(const char *key, uint32_t status_after_clear)
{
    int kept = (status_after_clear & BOTH(SR_READY)) != 0;
    note(key, kept ? "SR.7 kept (real NOR)" : "SR.7 cleared (QEMU)");
    return kept;
}

void note_program(const char *key, int anded)
{
    note(key, anded ? "and (real NOR: program only clears bits)" : "overwrite (QEMU)");
}

uint32_t cfi_erase(uintptr_t block)
{
    cfi_cmd(block, CFI_BLOCK_ERASE);
    cfi_cmd(block, CFI_CONFIRM);
    uint32_t sr = bus_r32(block);
    cfi_read_array(block);
    return sr;
}

uint32_t cfi_program32(uintptr_t a, uint32_t value)
{
    cfi_cmd(a, CFI_WORD_PROGRAM);
    bus_w32(a, value);
    uint32_t sr = bus_r32(a);
    cfi_read_array(a);
    return sr;
}

uint32_t cfi_buffered(uintptr_t a, const uint32_t *words, unsigned n, uintptr_t confirm)
{
    cfi_cmd(a, CFI_WRITE_BUFFER);
    (void)bus_r32(a);                  /* "buffer available" poll: SR.7 */
    bus_w32(a, BOTH(n - 1));
    for (unsigned i = 0; i < n; i++) {
        bus_w32(a + 4u * i, words[i]);
    }
    cfi_cmd(confirm, CFI_CONFIRM);
    uint32_t sr = bus_r32(confirm);
    cfi_read_array(a);
    return sr;
}

uint32_t pattern_word(uint32_t seed, uint32_t i)
{
    return seed ^ (i * 0x9E3779B1u);
}

static uint32_t low16_if_both(uint32_t w, int *ok)
{
    if ((w >> 16) != (w & 0xffff)) {
        *ok = 0;
    }
    return w & 0xffff;
}

/* A bus script (run from RAM), so that flash0 - the bank the code runs from - can be probed too. */
static struct bus_script probe;
static int query_slot[CFI_IDX_END];

static uint32_t q(int idx, int *ok)
{
    return low16_if_both((uint32_t)bs_value(&probe, query_slot[idx]), ok);
}

void cfi_probe(uintptr_t bank, struct cfi_geometry *g)
{
    static const uint8_t wanted[] = {
        CFI_IDX_QRY, CFI_IDX_QRY + 1, CFI_IDX_QRY + 2, CFI_IDX_CMD_SET, CFI_IDX_CMD_SET + 1, CFI_IDX_DEVICE_SIZE,
        CFI_IDX_BUFFER_SIZE, CFI_IDX_BUFFER_SIZE + 1, CFI_IDX_REGIONS,
        CFI_IDX_REGION0, CFI_IDX_REGION0 + 1, CFI_IDX_REGION0 + 2, CFI_IDX_REGION0 + 3,
    };
    int ok = 1;
    bs_init(&probe);
    bs_w32(&probe, bank, BOTH(CFI_READ_ARRAY));
    bs_w32(&probe, bank, BOTH(CFI_QUERY));
    for (unsigned i = 0; i < sizeof wanted; i++) {
        query_slot[wanted[i]] = bs_r32(&probe, bank + 4u * wanted[i]);
    }
    bs_w32(&probe, bank, BOTH(CFI_READ_ARRAY));
    bs_w32(&probe, bank, BOTH(CFI_READ_ID));
    int man = bs_r32(&probe, bank + 4u * ID_IDX_MANUFACTURER);
    int dev = bs_r32(&probe, bank + 4u * ID_IDX_DEVICE);
    bs_w32(&probe, bank, BOTH(CFI_READ_ARRAY));
    bs_run(&probe);

    g->qry_ok = q(CFI_IDX_QRY, &ok) == 'Q' && q(CFI_IDX_QRY + 1, &ok) == 'R' && q(CFI_IDX_QRY + 2, &ok) == 'Y';
    g->cmd_set = q(CFI_IDX_CMD_SET, &ok) | q(CFI_IDX_CMD_SET + 1, &ok) << 8;
    uint32_t size_log2 = q(CFI_IDX_DEVICE_SIZE, &ok);
    uint32_t buf_log2 = q(CFI_IDX_BUFFER_SIZE, &ok) | q(CFI_IDX_BUFFER_SIZE + 1, &ok) << 8;
    g->regions = q(CFI_IDX_REGIONS, &ok);
    uint32_t blocks_m1 = q(CFI_IDX_REGION0, &ok) | q(CFI_IDX_REGION0 + 1, &ok) << 8;
    uint32_t block_256 = q(CFI_IDX_REGION0 + 2, &ok) | q(CFI_IDX_REGION0 + 3, &ok) << 8;
    g->manufacturer = low16_if_both((uint32_t)bs_value(&probe, man), &ok);
    g->device = low16_if_both((uint32_t)bs_value(&probe, dev), &ok);

    g->qry_ok = g->qry_ok && ok;
    g->devices = FLASH_BANK_WIDTH / 2;       /* x16 devices on a 32-bit bank (the DTB's bank-width 4) */
    g->device_size = size_log2 < 32 ? 1u << size_log2 : 0;
    g->bank_size = (uint64_t)g->device_size * g->devices;
    g->blocks = blocks_m1 + 1;
    g->block_size = block_256 * 256u * g->devices;
    g->buffer_size = buf_log2 < 32 ? (1u << buf_log2) * g->devices : 0;
}
