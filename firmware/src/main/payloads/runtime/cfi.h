/*
 * CFI helper library: named command bytes, status bits and query-table indices of the Intel/Sharp command set as
 * QEMU's pflash_cfi01 (virt: bank width 4, two x16 devices) decodes them, and the usual command sequences.
 *
 * Commands go out as 32-bit cycles (c << 16) | c, one copy per x16 device, like EDK2; cfi_cmd16/cfi_cmd8 give the
 * narrower cycles a scenario needs. Only value & 0xFF is the command byte.
 */
#ifndef VIRTFLASH_CFI_H
#define VIRTFLASH_CFI_H

#include "runtime.h"

/* command bytes */
#define CFI_READ_ARRAY        0xFF
#define CFI_AMD_RESET         0xF0   /* read-array too, as QEMU accepts it */
#define CFI_QUERY             0x98
#define CFI_READ_ID           0x90
#define CFI_READ_STATUS       0x70
#define CFI_CLEAR_STATUS      0x50
#define CFI_BLOCK_ERASE       0x20
#define CFI_CONFIRM           0xD0
#define CFI_WORD_PROGRAM      0x40
#define CFI_WORD_PROGRAM_ALT  0x10
#define CFI_WRITE_BUFFER      0xE8
#define CFI_LOCK_SETUP        0x60
#define CFI_LOCK_BLOCK        0x01   /* second cycle after CFI_LOCK_SETUP */
#define CFI_UNLOCK_BLOCK      0xD0   /* second cycle after CFI_LOCK_SETUP */
#define CFI_LOCK_DOWN         0x2F   /* second cycle after CFI_LOCK_SETUP; not implemented by QEMU */
#define CFI_SET_CONFIG        0x03   /* second cycle after CFI_LOCK_SETUP; not implemented by QEMU */
#define CFI_SUSPEND           0xB0   /* not implemented by QEMU */
#define CFI_PROTECTION_PROG   0xC0   /* not implemented by QEMU */
#define CFI_BEFP              0x80   /* buffered enhanced factory program; not implemented by QEMU */
#define CFI_ERASE_ALT         0x28   /* not implemented by QEMU */
#define CFI_WRITE_BUFFER_ALT  0xE9   /* not implemented by QEMU */

/* status register bits (per device; a 32-bit read carries two copies) */
#define SR_READY              0x80   /* SR.7 write state machine ready */
#define SR_ERASE_SUSPENDED    0x40
#define SR_ERASE_ERROR        0x20   /* SR.5 */
#define SR_PROGRAM_ERROR      0x10   /* SR.4 */
#define SR_VPP_LOW            0x08
#define SR_PROGRAM_SUSPENDED  0x04
#define SR_BLOCK_LOCKED       0x02
/* the bits Clear Status (0x50) resets on every part; SR.7 is kept on real NOR, cleared too on QEMU 7.2 */
#define SR_ERRORS             (SR_ERASE_ERROR | SR_PROGRAM_ERROR | SR_VPP_LOW | SR_BLOCK_LOCKED)

/* CFI query table indices (each index is one 32-bit word on the bus: byte offset 4 * index) */
#define CFI_IDX_QRY           0x10
#define CFI_IDX_CMD_SET       0x13
#define CFI_IDX_EXT_TABLE     0x15
#define CFI_IDX_VCC_MIN       0x1B
#define CFI_IDX_WORD_TIME     0x1F
#define CFI_IDX_DEVICE_SIZE   0x27   /* log2 bytes, one device */
#define CFI_IDX_INTERFACE     0x28
#define CFI_IDX_BUFFER_SIZE   0x2A   /* log2 bytes, one device */
#define CFI_IDX_REGIONS       0x2C
#define CFI_IDX_REGION0       0x2D   /* blocks - 1 (16 bit), block size / 256 (16 bit) */
#define CFI_IDX_PRI           0x31   /* 'P' 'R' 'I' '1' '0' */
#define CFI_IDX_END           0x52   /* first index past the table */

/* read-identifier indices (one 32-bit word each) */
#define ID_IDX_MANUFACTURER   0
#define ID_IDX_DEVICE         1
#define ID_IDX_BLOCK_LOCK     2      /* read at block base + 8 */
#define ID_MANUFACTURER_INTEL 0x89
#define ID_DEVICE_VIRT        0x18

/* the same 16-bit value on both x16 devices of the 32-bit bus */
#define BOTH(v)               ((((uint32_t)(v) & 0xffff) << 16) | ((uint32_t)(v) & 0xffff))

static inline uint32_t cfi_word(uint8_t c) { return BOTH(c); }
static inline void cfi_cmd(uintptr_t a, uint8_t c) { bus_w32(a, cfi_word(c)); }
static inline void cfi_cmd16(uintptr_t a, uint8_t c) { bus_w16(a, c); }
static inline void cfi_cmd8(uintptr_t a, uint8_t c) { bus_w8(a, c); }
static inline uint32_t cfi_read_index(uintptr_t bank, unsigned idx) { return bus_r32(bank + 4u * idx); }
static inline void cfi_read_array(uintptr_t a) { cfi_cmd(a, CFI_READ_ARRAY); }

/* 0x70 at addr and one 32-bit status read; the bank stays in read-status mode. */
uint32_t cfi_status(uintptr_t addr);
/* 0x50 at addr: the error bits are cleared and the bank returns to read-array. SR.7 stays set on real NOR (our
 * board's default); QEMU 7.2 clears it too (status 0x00). */
void cfi_clear_status(uintptr_t addr);
/* Prints the note of the 0x50 difference from the status read after 0x50, 0x70: "SR.7 kept (real NOR)" or
 * "SR.7 cleared (QEMU)"; returns whether SR.7 was kept. */
int note_clear_status(const char *key, uint32_t status_after_clear);
/* Prints the note of the program difference: "and (real NOR: program only clears bits)" or "overwrite (QEMU)". */
void note_program(const char *key, int anded);
/* 0x20, 0xD0 at block; returns the 32-bit status read; ends with 0xFF. */
uint32_t cfi_erase(uintptr_t block);
/* 0x40, value (32-bit) at a; returns the status read; ends with 0xFF. */
uint32_t cfi_program32(uintptr_t a, uint32_t value);
/* 0xE8 at a, status poll, count (words - 1) at a, the words from a on, 0xD0 at confirm; status; 0xFF. */
uint32_t cfi_buffered(uintptr_t a, const uint32_t *words, unsigned n, uintptr_t confirm);
/* Word i of a deterministic test pattern: seed ^ (i * 0x9E3779B1). */
uint32_t pattern_word(uint32_t seed, uint32_t i);

struct cfi_geometry {
    int qry_ok;              /* 'Q' 'R' 'Y' found, and every value the same in both halves */
    uint32_t cmd_set;
    uint32_t manufacturer, device;
    uint32_t device_size;    /* one x16 device, bytes */
    uint32_t devices;        /* bank width / device width */
    uint64_t bank_size;
    uint32_t block_size;     /* on the bus (all devices) */
    uint32_t blocks;
    uint32_t buffer_size;    /* on the bus (all devices) */
    uint32_t regions;
};
/* CFI query + read identifier on a bank (either bank: the cycles run from RAM); ends in read-array mode. */
void cfi_probe(uintptr_t bank, struct cfi_geometry *g);

#endif
