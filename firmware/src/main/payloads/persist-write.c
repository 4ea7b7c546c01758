/*
 * Boot one of a persistence pair: erase two blocks of flash1, fill a 4 KiB window with a buffered program and 16
 * words with word programs, and check them in this boot. persist-check verifies the same data on the next boot
 * of the same flash1 image (the writes must have reached the image file). On success it ends with PSCI SYSTEM_OFF
 * rather than semihosting SYS_EXIT: QEMU exits at SYS_EXIT without flushing its block devices, which loses a qcow2
 * image's metadata (raw images keep their data).
 */
#include "check.h"
#include "persist.h"

static uint32_t words[1024];

int main(void)
{
    con_line("persist-write: writing the pattern to flash1");
    scenario("persist-write");
    check32("erase the pattern block", BOTH(SR_READY), cfi_erase(PERSIST_BLOCK));
    check32("erase the block after it", BOTH(SR_READY), cfi_erase(PERSIST_ERASED));
    for (unsigned i = 0; i < 1024; i++) {
        words[i] = pattern_word(PERSIST_BUF_SEED, i);
    }
    check32("buffered program of a 4 KiB window", BOTH(SR_READY),
            cfi_buffered(PERSIST_BUFFERED, words, 1024, PERSIST_BUFFERED));
    int ok = 1;
    for (unsigned i = 0; i < 16; i++) {
        ok &= cfi_program32(PERSIST_WORDS_AT + 4 * i, pattern_word(PERSIST_WORD_SEED, i)) == BOTH(SR_READY);
    }
    check_true("16 word programs, each status 0x80", ok);
    check_pattern32("buffered window reads back", PERSIST_BUFFERED, 1024, PERSIST_BUF_SEED);
    check_pattern32("words read back", PERSIST_WORDS_AT, 16, PERSIST_WORD_SEED);
    int rc = report_finish();
    if (rc == EXIT_PASS) {
        /* a clean shutdown, so that the image is complete (QEMU: qcow2 metadata is flushed only then) */
        con_line("persist-write: power off (PSCI SYSTEM_OFF)");
        power_off();
    }
    return rc;
}
