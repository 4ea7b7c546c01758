/*
 * Boot two of a persistence pair (see persist-write): flash1 must hold what persist-write wrote on the previous
 * boot of the same image. On an image persist-write never ran on, every check fails (exit code 1).
 */
#include "check.h"
#include "persist.h"

int main(void)
{
    con_line("persist-check: checking flash1 for the pattern of the previous boot");
    scenario("persist-check");
    check_pattern32("buffered window survived", PERSIST_BUFFERED, 1024, PERSIST_BUF_SEED);
    check_fill32("rest of the block up to the words still erased", PERSIST_BUFFERED + 0x1000,
                 PERSIST_WORDS_AT - PERSIST_BUFFERED - 0x1000, 0xffffffffu);
    check_pattern32("word programs survived", PERSIST_WORDS_AT, 16, PERSIST_WORD_SEED);
    check_fill32("the erased block after it survived", PERSIST_ERASED, FLASH_BLOCK_SIZE, 0xffffffffu);
    return report_finish();
}
