/* Ending a run: Arm semihosting SYS_EXIT (HLT #0xF000) with ADP_Stopped_ApplicationExit and the exit code, or a
   PSCI SYSTEM_OFF. */
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

void power_off(void)
{
    register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
    __asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
    /* SYSTEM_OFF does not return; if the board has no PSCI, say so and end with the semihosting code */
    con_line("power_off: PSCI SYSTEM_OFF returned");
    exit(EXIT_CHECK_FAILED);
}
