/* The usual CFI command sequences, in 32-bit bus cycles (see cfi.h). */
#include "cfi.h"

uint32_t cfi_status(uintptr_t addr)
{
    cfi_cmd(addr, CFI_READ_STATUS);
    return bus_r32(addr);
}

void cfi_clear_status(uintptr_t addr)
{
    cfi_cmd(addr, CFI_CLEAR_STATUS);
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

void cfi_probe(uintptr_t bank, struct cfi_geometry *g)
{
    int ok = 1;
    cfi_read_array(bank);
    cfi_cmd(bank, CFI_QUERY);
    uint32_t q = low16_if_both(cfi_read_index(bank, CFI_IDX_QRY), &ok);
    uint32_t r = low16_if_both(cfi_read_index(bank, CFI_IDX_QRY + 1), &ok);
    uint32_t y = low16_if_both(cfi_read_index(bank, CFI_IDX_QRY + 2), &ok);
    g->qry_ok = ok && q == 'Q' && r == 'R' && y == 'Y';
    g->cmd_set = low16_if_both(cfi_read_index(bank, CFI_IDX_CMD_SET), &ok)
        | low16_if_both(cfi_read_index(bank, CFI_IDX_CMD_SET + 1), &ok) << 8;
    uint32_t size_log2 = low16_if_both(cfi_read_index(bank, CFI_IDX_DEVICE_SIZE), &ok);
    uint32_t buf_log2 = low16_if_both(cfi_read_index(bank, CFI_IDX_BUFFER_SIZE), &ok)
        | low16_if_both(cfi_read_index(bank, CFI_IDX_BUFFER_SIZE + 1), &ok) << 8;
    g->regions = low16_if_both(cfi_read_index(bank, CFI_IDX_REGIONS), &ok);
    uint32_t blocks_m1 = low16_if_both(cfi_read_index(bank, CFI_IDX_REGION0), &ok)
        | low16_if_both(cfi_read_index(bank, CFI_IDX_REGION0 + 1), &ok) << 8;
    uint32_t block_256 = low16_if_both(cfi_read_index(bank, CFI_IDX_REGION0 + 2), &ok)
        | low16_if_both(cfi_read_index(bank, CFI_IDX_REGION0 + 3), &ok) << 8;
    cfi_read_array(bank);
    cfi_cmd(bank, CFI_READ_ID);
    g->manufacturer = low16_if_both(cfi_read_index(bank, ID_IDX_MANUFACTURER), &ok);
    g->device = low16_if_both(cfi_read_index(bank, ID_IDX_DEVICE), &ok);
    cfi_read_array(bank);

    g->qry_ok = g->qry_ok && ok;
    g->devices = FLASH_BANK_WIDTH / 2;       /* x16 devices on a 32-bit bank (the DTB's bank-width 4) */
    g->device_size = size_log2 < 32 ? 1u << size_log2 : 0;
    g->bank_size = (uint64_t)g->device_size * g->devices;
    g->blocks = blocks_m1 + 1;
    g->block_size = block_256 * 256u * g->devices;
    g->buffer_size = buf_log2 < 32 ? (1u << buf_log2) * g->devices : 0;
}
