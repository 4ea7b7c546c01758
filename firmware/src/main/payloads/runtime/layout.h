/* Constants shared by C and assembly: the board's memory map as the payloads see it, and frame offsets. */
#ifndef VIRTFLASH_LAYOUT_H
#define VIRTFLASH_LAYOUT_H

#define FLASH0_BASE        0x00000000
#define FLASH1_BASE        0x04000000
#define FLASH_BANK_SIZE    0x04000000   /* 64 MiB per bank */
#define FLASH_BLOCK_SIZE   0x00040000   /* erase block on the bus: 2 chips x 128 KiB */
#define FLASH_WINDOW_SIZE  0x00001000   /* buffered-write window on the bus: 2 chips x 2 KiB */
#define FLASH_BANK_WIDTH   4            /* bytes: two x16 devices side by side */
#define PL011_BASE         0x09000000
#define RAM_BASE           0x40000000
#define RAM_PAYLOAD_BASE   0x40100000   /* 0x40000000..0x400FFFFF holds the DTB */

/* struct exc_frame, as saved by the vector stubs */
#define EXC_FRAME_ELR      248
#define EXC_FRAME_SPSR     256
#define EXC_FRAME_ESR      264
#define EXC_FRAME_FAR      272
#define EXC_FRAME_KIND     280
#define EXC_FRAME_SIZE     288

/* semihosting exit codes of every payload */
#define EXIT_PASS          0   /* every check passed */
#define EXIT_CHECK_FAILED  1   /* at least one check failed (or the default payload's verdict is FAIL) */
#define EXIT_EXCEPTION     2   /* an unexpected exception: the report names class, ESR, ELR and FAR */
#define EXIT_NESTED        3   /* an exception while reporting an exception */

#endif
