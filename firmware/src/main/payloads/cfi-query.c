/*
 * CFI query (0x98) and read identifier (0x90) on flash1, at every access width: the byte-lane quirk (the bottom two
 * address bits are ignored and narrow reads return the low bytes of the doubled value), 64-bit reads as two 32-bit
 * cycles, and command cycles of every width (only value & 0xFF is the command).
 */
#include "check.h"
#include "cfi.h"

#define BANK FLASH1_BASE
#define DATA_WORD 0x13579BDFu     /* programmed at bank offset 0x40, to tell read-array from CFI mode */

static void query_32(void)
{
    scenario("cfi-query-32bit");
    cfi_cmd(BANK, CFI_QUERY);
    check32("'Q' at 0x40", BOTH('Q'), bus_r32(BANK + 0x40));
    check32("'R' at 0x44", BOTH('R'), bus_r32(BANK + 0x44));
    check32("'Y' at 0x48", BOTH('Y'), bus_r32(BANK + 0x48));
    check32("command set 0x0001 (Intel/Sharp extended) at 0x4C", BOTH(1), bus_r32(BANK + 0x4C));
    check32("extended table at 0x31 (0x54)", BOTH(0x31), bus_r32(BANK + 0x54));
    check32("Vcc min 4.5 V (0x6C)", BOTH(0x45), bus_r32(BANK + 4 * CFI_IDX_VCC_MIN));
    check32("word program 2^7 us (0x7C)", BOTH(7), bus_r32(BANK + 4 * CFI_IDX_WORD_TIME));
    check32("device size 2^25 per chip (0x9C)", BOTH(0x19), bus_r32(BANK + 4 * CFI_IDX_DEVICE_SIZE));
    check32("interface x8/x16 (0xA0)", BOTH(2), bus_r32(BANK + 4 * CFI_IDX_INTERFACE));
    check32("write buffer 2^11 per chip (0xA8)", BOTH(0x0B), bus_r32(BANK + 4 * CFI_IDX_BUFFER_SIZE));
    check32("one erase region (0xB0)", BOTH(1), bus_r32(BANK + 4 * CFI_IDX_REGIONS));
    check32("256 blocks: 0xFF (0xB4)", BOTH(0xFF), bus_r32(BANK + 4 * CFI_IDX_REGION0));
    check32("256 blocks: 0x00 (0xB8)", 0, bus_r32(BANK + 4 * (CFI_IDX_REGION0 + 1)));
    check32("block 0x0200 x 256 per chip: 0x00 (0xBC)", 0, bus_r32(BANK + 4 * (CFI_IDX_REGION0 + 2)));
    check32("block 0x0200 x 256 per chip: 0x02 (0xC0)", BOTH(2), bus_r32(BANK + 4 * (CFI_IDX_REGION0 + 3)));
    static const char pri[5] = { 'P', 'R', 'I', '1', '0' };
    int pri_ok = 1;
    for (int i = 0; i < 5; i++) {
        pri_ok &= bus_r32(BANK + 4 * (CFI_IDX_PRI + i)) == BOTH(pri[i]);
    }
    check_true("'P' 'R' 'I' '1' '0' at 0x31..0x35", pri_ok);
    cfi_read_array(BANK);
    check32("0xFF: read-array again", DATA_WORD, bus_r32(BANK + 0x40));
}

static void byte_lanes(void)
{
    scenario("cfi-byte-lanes");
    cfi_cmd(BANK, CFI_QUERY);
    check8("byte read at 0x40", 'Q', bus_r8(BANK + 0x40));
    check8("byte read at 0x41 (odd lane reads the low byte too)", 'Q', bus_r8(BANK + 0x41));
    check8("byte read at 0x42", 'Q', bus_r8(BANK + 0x42));
    check8("byte read at 0x43", 'Q', bus_r8(BANK + 0x43));
    check16("halfword read at 0x44", 'R', bus_r16(BANK + 0x44));
    check16("halfword read at 0x46 (upper half reads the low half)", 'R', bus_r16(BANK + 0x46));
    check8("byte read at 0x4B", 'Y', bus_r8(BANK + 0x4B));
    cfi_read_array(BANK);
}

static void read_64(void)
{
    scenario("cfi-64bit-read");
    cfi_cmd(BANK, CFI_QUERY);
    check64("64-bit read at 0x40: two 32-bit cycles, lower address first", 0x0052005200510051ull,
            bus_r64(BANK + 0x40));
    check64("64-bit read at 0x48", 0x0001000100590059ull, bus_r64(BANK + 0x48));
    cfi_read_array(BANK);
    cfi_cmd(BANK, CFI_READ_ID);
    check64("64-bit identifier read at 0", 0x0018001800890089ull, bus_r64(BANK));
    cfi_read_array(BANK);
}

static void command_widths(void)
{
    scenario("cfi-command-widths");
    cfi_cmd8(BANK, CFI_QUERY);
    check32("8-bit 0x98 enters CFI mode", BOTH('Q'), bus_r32(BANK + 0x40));
    cfi_cmd8(BANK + 3, CFI_READ_ARRAY);
    check32("8-bit 0xFF (odd address) leaves it", DATA_WORD, bus_r32(BANK + 0x40));
    cfi_cmd16(BANK + 2, CFI_QUERY);
    check32("16-bit 0x0098 enters CFI mode", BOTH('Q'), bus_r32(BANK + 0x40));
    cfi_cmd16(BANK, CFI_READ_ARRAY);
    check32("16-bit 0x00FF leaves it", DATA_WORD, bus_r32(BANK + 0x40));
    bus_w32(BANK + 0x1234, 0x00ff0098);
    check32("0x00FF0098 is a CFI query (only the low byte counts)", BOTH('Q'), bus_r32(BANK + 0x40));
    bus_w32(BANK, 0x123456ff);
    check32("0x123456FF is read-array", DATA_WORD, bus_r32(BANK + 0x40));
    bus_w64(BANK, 0x00ff00ff00980098ull);
    check32("64-bit store 0x00FF00FF_00980098: CFI query, then read-array", DATA_WORD, bus_r32(BANK + 0x40));
    bus_w64(BANK, 0x0098009800ff00ffull);
    check32("64-bit store 0x00980098_00FF00FF: read-array, then CFI query", BOTH('Q'), bus_r32(BANK + 0x40));
    cfi_read_array(BANK);
}

static void table_bounds(void)
{
    scenario("cfi-table-bounds");
    cfi_cmd(BANK, CFI_QUERY);
    check32("index 0 reads 0 (no IDs in the CFI table)", 0, bus_r32(BANK));
    check32("index 0x0F reads 0", 0, bus_r32(BANK + 0x3C));
    check32("index 0x3F reads 1 (QEMU's protection-field byte)", BOTH(1), bus_r32(BANK + 0xFC));
    check32("index 0x51, the last, reads 0", 0, bus_r32(BANK + 0x144));
    check32("index 0x52 (past the table) reads 0", 0, bus_r32(BANK + 0x148));
    check32("index 0x110 reads 0 (no repeat every 256 indices)", 0, bus_r32(BANK + 0x440));
    check32("last word of the bank reads 0", 0, bus_r32(BANK + FLASH_BANK_SIZE - 4));
    cfi_read_array(BANK);
}

static void id_reads(void)
{
    scenario("id-reads");
    cfi_cmd(BANK, CFI_READ_ID);
    check32("manufacturer 0x89 at 0", BOTH(ID_MANUFACTURER_INTEL), bus_r32(BANK));
    check32("device 0x18 at 4", BOTH(ID_DEVICE_VIRT), bus_r32(BANK + 4));
    check32("block lock (index 2) at 8 reads 0", 0, bus_r32(BANK + 8));
    check8("byte read at 1", ID_MANUFACTURER_INTEL, bus_r8(BANK + 1));
    check8("byte read at 3", ID_MANUFACTURER_INTEL, bus_r8(BANK + 3));
    check16("halfword read at 6", ID_DEVICE_VIRT, bus_r16(BANK + 6));
    check32("index 0x100 reads the manufacturer (ID uses index & 0xFF)", BOTH(ID_MANUFACTURER_INTEL),
            bus_r32(BANK + 0x400));
    check32("index 0x101 reads the device", BOTH(ID_DEVICE_VIRT), bus_r32(BANK + 0x404));
    check32("block 5 lock status at block + 8 reads 0", 0, bus_r32(BANK + 5 * FLASH_BLOCK_SIZE + 8));
    check32("configuration (index 5) reads 0", 0, bus_r32(BANK + 0x14));
    cfi_read_array(BANK);
    check32("0xFF: read-array again", DATA_WORD, bus_r32(BANK + 0x40));
}

static void geometry(void)
{
    scenario("cfi-geometry");
    struct cfi_geometry g;
    cfi_probe(BANK, &g);
    check_true("'QRY' in both halves of every word", g.qry_ok);
    check32("command set", 1, g.cmd_set);
    check64("bank size: 2 devices of 32 MiB", 64u << 20, g.bank_size);
    check32("erase block on the bus: 256 KiB", FLASH_BLOCK_SIZE, g.block_size);
    check32("erase blocks", 256, g.blocks);
    check32("write buffer on the bus: 4096 bytes", FLASH_WINDOW_SIZE, g.buffer_size);
    check32("manufacturer", ID_MANUFACTURER_INTEL, g.manufacturer);
    check32("device", ID_DEVICE_VIRT, g.device);
}

int main(void)
{
    con_line("cfi-query: CFI query and read identifier on flash1, every width");
    check32("set-up: erase block 0 (status 0x80)", BOTH(SR_READY), cfi_erase(BANK));
    check32("set-up: program a data word at 0x40 (status 0x80)", BOTH(SR_READY), cfi_program32(BANK + 0x40, DATA_WORD));
    query_32();
    byte_lanes();
    read_64();
    command_widths();
    table_bounds();
    id_reads();
    geometry();
    return report_finish();
}
