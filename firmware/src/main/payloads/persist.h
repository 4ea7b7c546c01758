/* What persist-write leaves in flash1 and persist-check expects on the next boot of the same image. */
#ifndef VIRTFLASH_PERSIST_H
#define VIRTFLASH_PERSIST_H

#include "cfi.h"

#define PERSIST_BLOCK      (FLASH1_BASE + 48 * FLASH_BLOCK_SIZE)   /* 0x04C00000 */
#define PERSIST_BUFFERED   PERSIST_BLOCK                           /* one 4 KiB buffered window */
#define PERSIST_BUF_SEED   0xC0FFEE01u
#define PERSIST_WORDS_AT   (PERSIST_BLOCK + 0x20000)               /* 16 word programs */
#define PERSIST_WORD_SEED  0xC0FFEE02u
#define PERSIST_ERASED     (PERSIST_BLOCK + FLASH_BLOCK_SIZE)      /* the next block, erased */

#endif
