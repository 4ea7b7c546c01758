/*
 * Prints, as NAME=value lines, every Unicorn constant that UnicornLibrary.java names, taken from the headers of
 * the Unicorn release it is compiled against. Used to check the Java constants against Unicorn 2.1.1:
 *
 *   git clone --branch 2.1.1 --depth 1 https://github.com/unicorn-engine/unicorn /tmp/uc
 *   cc -I /tmp/uc/include -o /tmp/ucc unicorn_constants.c && /tmp/ucc
 *
 * and compare with the Java constants (UnicornConstantsTest prints the same lines from the Java side and checks
 * them against a copy of this program's output, src/test/resources/unicorn-2.1.1-constants.txt).
 */
#include <stddef.h>
#include <stdio.h>
#include <unicorn/unicorn.h>

#define P(x) printf("%s=%lld\n", #x, (long long)(x))

int main(void) {
    P(UC_ARCH_ARM64); P(UC_MODE_ARM); P(UC_CPU_ARM64_A57);
    P(UC_ERR_OK); P(UC_ERR_READ_UNMAPPED); P(UC_ERR_WRITE_UNMAPPED); P(UC_ERR_FETCH_UNMAPPED);
    P(UC_ERR_ARG); P(UC_ERR_EXCEPTION);
    P(UC_PROT_NONE); P(UC_PROT_READ); P(UC_PROT_WRITE); P(UC_PROT_EXEC); P(UC_PROT_ALL);
    P(UC_HOOK_INTR); P(UC_HOOK_BLOCK); P(UC_HOOK_MEM_READ_UNMAPPED); P(UC_HOOK_MEM_WRITE_UNMAPPED);
    P(UC_HOOK_MEM_FETCH_UNMAPPED); P(UC_HOOK_MEM_WRITE_PROT); P(UC_HOOK_MEM_FETCH_PROT); P(UC_HOOK_MEM_UNMAPPED);
    P(UC_HOOK_TLB_FILL); P(UC_HOOK_INSN);
    P(UC_MEM_READ); P(UC_MEM_WRITE); P(UC_MEM_FETCH);
    P(UC_MEM_READ_UNMAPPED); P(UC_MEM_WRITE_UNMAPPED); P(UC_MEM_FETCH_UNMAPPED); P(UC_MEM_WRITE_PROT);
    P(UC_MEM_FETCH_PROT);
    P(UC_CTL_IO_WRITE); P(UC_CTL_IO_READ); P(UC_CTL_UC_PAGE_SIZE); P(UC_CTL_CPU_MODEL); P(UC_CTL_TB_REMOVE_CACHE);
    P(UC_CTL_TB_FLUSH); P(UC_CTL_TLB_FLUSH); P(UC_CTL_TLB_TYPE); P(UC_TLB_VIRTUAL);
    P(UC_CTL_TCG_BUFFER_SIZE);
    printf("CTL_WRITE_CPU_MODEL=%lld\n", (long long)(int)UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1));
    printf("CTL_READ_CPU_MODEL=%lld\n", (long long)(int)UC_CTL_READ(UC_CTL_CPU_MODEL, 1));
    printf("CTL_READ_PAGE_SIZE=%lld\n", (long long)(int)UC_CTL_READ(UC_CTL_UC_PAGE_SIZE, 1));
    printf("CTL_WRITE_TLB_TYPE=%lld\n", (long long)(int)UC_CTL_WRITE(UC_CTL_TLB_TYPE, 1));
    printf("CTL_WRITE_TCG_BUFFER_SIZE=%lld\n", (long long)(int)UC_CTL_WRITE(UC_CTL_TCG_BUFFER_SIZE, 1));
    printf("CTL_WRITE_TB_REMOVE_CACHE=%lld\n", (long long)(int)UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2));
    printf("CTL_WRITE_TB_FLUSH=%lld\n", (long long)(int)UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0));
    printf("CTL_WRITE_TLB_FLUSH=%lld\n", (long long)(int)UC_CTL_WRITE(UC_CTL_TLB_FLUSH, 0));
    printf("TLB_ENTRY_PADDR_OFFSET=%lld\n", (long long)offsetof(struct uc_tlb_entry, paddr));
    printf("TLB_ENTRY_PERMS_OFFSET=%lld\n", (long long)offsetof(struct uc_tlb_entry, perms));
    P(UC_ARM64_REG_X29); P(UC_ARM64_REG_X30); P(UC_ARM64_REG_SP); P(UC_ARM64_REG_X0); P(UC_ARM64_REG_PC);
    P(UC_ARM64_REG_PSTATE); P(UC_ARM64_REG_ELR_EL0); P(UC_ARM64_REG_SP_EL0); P(UC_ARM64_REG_ESR_EL0);
    P(UC_ARM64_REG_FAR_EL0); P(UC_ARM64_REG_VBAR_EL0); P(UC_ARM64_REG_CP_REG);
    P(UC_ARM64_INS_MSR); P(UC_ARM64_INS_SYS);
    printf("CP_REG_LONGS=%lld\n", (long long)(sizeof(uc_arm64_cp_reg) / 8));
    printf("CP_REG_VAL_OFFSET=%lld\n", (long long)offsetof(uc_arm64_cp_reg, val));
    /* the consecutive register runs the binding indexes into */
    printf("X28_MINUS_X0=%lld\n", (long long)(UC_ARM64_REG_X28 - UC_ARM64_REG_X0));
    printf("ELR_EL3_MINUS_ELR_EL0=%lld\n", (long long)(UC_ARM64_REG_ELR_EL3 - UC_ARM64_REG_ELR_EL0));
    printf("SP_EL3_MINUS_SP_EL0=%lld\n", (long long)(UC_ARM64_REG_SP_EL3 - UC_ARM64_REG_SP_EL0));
    printf("ESR_EL3_MINUS_ESR_EL0=%lld\n", (long long)(UC_ARM64_REG_ESR_EL3 - UC_ARM64_REG_ESR_EL0));
    printf("FAR_EL3_MINUS_FAR_EL0=%lld\n", (long long)(UC_ARM64_REG_FAR_EL3 - UC_ARM64_REG_FAR_EL0));
    printf("VBAR_EL3_MINUS_VBAR_EL0=%lld\n", (long long)(UC_ARM64_REG_VBAR_EL3 - UC_ARM64_REG_VBAR_EL0));
    return 0;
}
