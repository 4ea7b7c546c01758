/* Ending a run: Arm semihosting SYS_EXIT (HLT #0xF000) with ADP_Stopped_ApplicationExit and the exit code. */
#include "runtime.h"

void exit(int code)
{
    static uint64_t block[2];   /* in RAM: the host reads it */
    block[0] = SEMIHOST_ADP_APPLICATION_EXIT;
    block[1] = (uint64_t)(uint32_t)code;
    semihost_call(SEMIHOST_SYS_EXIT, (uint64_t)(uintptr_t)block);
    for (;;) {
        __asm__ volatile("wfi");
    }
}
