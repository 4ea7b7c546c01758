typedef unsigned int u32; typedef unsigned long u64; typedef unsigned char u8;
#define UART 0x09000000UL
#define GICD 0x08000000UL
#define GICC 0x08010000UL
#define RTC  0x09010000UL
static inline u32 rd(u64 a) { return *(volatile u32 *)a; }
static inline u8 rdb(u64 a) { return *(volatile u8 *)a; }
static inline void wr(u64 a, u32 v) { *(volatile u32 *)a = v; }
static inline void wrb(u64 a, u8 v) { *(volatile u8 *)a = v; }
static void putc(char c) { *(volatile u32 *)UART = c; }
static void puts(const char *s) { while (*s) putc(*s++); }
static void hex(u64 v) { puts("0x"); for (int i = 60; i >= 0; i -= 4) { int d = (v >> i) & 15; if (v >> i || i == 0) putc(d < 10 ? '0' + d : 'a' + d - 10); } }
static void kv(const char *k, u64 v) { puts(k); puts("="); hex(v); puts("\n"); }
static u64 cntvct(void) { u64 v; __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v)); return v; }
static u64 cntfrq(void) { u64 v; __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v)); return v; }
static void delay_ms(u64 ms) { u64 t = cntvct() + cntfrq() / 1000 * ms; while (cntvct() < t) ; }
int main(void) {
    puts("PROBE-BEGIN\n");
    kv("GICD_CTLR", rd(GICD + 0)); kv("GICD_TYPER", rd(GICD + 4)); kv("GICD_IIDR", rd(GICD + 8));
    kv("GICD_0x0c", rd(GICD + 0xc)); kv("GICD_0x10", rd(GICD + 0x10));
    kv("GICD_IGROUPR0", rd(GICD + 0x80)); kv("GICD_IGROUPR1", rd(GICD + 0x84));
    kv("GICD_ISENABLER0", rd(GICD + 0x100)); kv("GICD_ISENABLER1", rd(GICD + 0x104)); kv("GICD_ICENABLER0", rd(GICD + 0x180));
    kv("GICD_ISPENDR0", rd(GICD + 0x200)); kv("GICD_ISACTIVER0", rd(GICD + 0x300));
    kv("GICD_IPRIORITYR0", rd(GICD + 0x400)); kv("GICD_IPRIORITYR8", rd(GICD + 0x420));
    kv("GICD_ITARGETSR0", rd(GICD + 0x800)); kv("GICD_ITARGETSR7", rd(GICD + 0x81c)); kv("GICD_ITARGETSR8", rd(GICD + 0x820));
    kv("GICD_ICFGR0", rd(GICD + 0xc00)); kv("GICD_ICFGR1", rd(GICD + 0xc04)); kv("GICD_ICFGR2", rd(GICD + 0xc08));
    kv("GICD_CPENDSGIR0", rd(GICD + 0xf10)); kv("GICD_SPENDSGIR0", rd(GICD + 0xf20));
    for (int o = 0xfd0; o < 0x1000; o += 4) { puts("GICD_ID_"); hex(o); kv("", rd(GICD + o)); }
    kv("GICD_ISENABLER9(beyond)", rd(GICD + 0x124));
    kv("GICC_CTLR", rd(GICC + 0)); kv("GICC_PMR", rd(GICC + 4)); kv("GICC_BPR", rd(GICC + 8));
    kv("GICC_RPR", rd(GICC + 0x14)); kv("GICC_HPPIR", rd(GICC + 0x18)); kv("GICC_ABPR", rd(GICC + 0x1c));
    kv("GICC_AIAR", rd(GICC + 0x20)); kv("GICC_AHPPIR", rd(GICC + 0x28));
    kv("GICC_APR0", rd(GICC + 0xd0)); kv("GICC_NSAPR0", rd(GICC + 0xe0));
    kv("GICC_IIDR", rd(GICC + 0xfc)); kv("GICC_IAR_idle", rd(GICC + 0xc));
    /* write masks */
    wr(GICC + 0, 0xffffffff); kv("GICC_CTLR_w1s", rd(GICC + 0)); wr(GICC + 0, 0);
    wr(GICC + 4, 0xffffffff); kv("GICC_PMR_w1s", rd(GICC + 4));
    wr(GICC + 8, 0xffffffff); kv("GICC_BPR_w1s", rd(GICC + 8)); wr(GICC + 8, 0); kv("GICC_BPR_w0", rd(GICC + 8));
    wr(GICC + 0x1c, 0); kv("GICC_ABPR_w0", rd(GICC + 0x1c));
    wr(GICD + 0, 0xffffffff); kv("GICD_CTLR_w1s", rd(GICD + 0)); wr(GICD + 0, 0);
    wr(GICD + 0x80, 0xffffffff); kv("GICD_IGROUPR0_w1s", rd(GICD + 0x80)); wr(GICD + 0x80, 0);
    wr(GICD + 0x180, 0xffffffff); kv("GICD_ISENABLER0_after_clear_all", rd(GICD + 0x100));
    wr(GICD + 0x100, 0); kv("GICD_ISENABLER0_after_set0", rd(GICD + 0x100));
    wr(GICD + 0x400, 0xffffffff); kv("GICD_IPRIORITYR0_w1s", rd(GICD + 0x400)); wr(GICD + 0x400, 0);
    wrb(GICD + 0x421, 0xa0); kv("GICD_IPRIORITYR8_byte", rd(GICD + 0x420));
    wr(GICD + 0x800, 0xffffffff); kv("GICD_ITARGETSR0_w1s", rd(GICD + 0x800));
    wr(GICD + 0x820, 0xffffffff); kv("GICD_ITARGETSR8_w1s", rd(GICD + 0x820));
    wr(GICD + 0xc00, 0); kv("GICD_ICFGR0_w0", rd(GICD + 0xc00));
    wr(GICD + 0xc04, 0xffffffff); kv("GICD_ICFGR1_w1s", rd(GICD + 0xc04)); wr(GICD + 0xc04, 0);
    wr(GICD + 0xc08, 0xffffffff); kv("GICD_ICFGR2_w1s", rd(GICD + 0xc08)); wr(GICD + 0xc08, 0);
    wr(GICD + 0x200, 0xffffffff); kv("GICD_ISPENDR0_after_set_all", rd(GICD + 0x200));
    wr(GICD + 0x280, 0xffffffff); kv("GICD_ISPENDR0_after_clear_all", rd(GICD + 0x200));
    wr(GICD + 0x300, 0xffffffff); kv("GICD_ISACTIVER0_after_write", rd(GICD + 0x300)); wr(GICD + 0x380, 0xffffffff); kv("GICD_ISACTIVER0_after_icactiver", rd(GICD + 0x300)); wr(GICD + 0x304, 0x5); kv("GICD_ISACTIVER1_after_write", rd(GICD + 0x304)); wr(GICD + 0x384, 0xffffffff); kv("GICD_ISACTIVER1_after_icactiver", rd(GICD + 0x304));
    /* SGI flow */
    wr(GICD + 0, 1); wr(GICC + 4, 0xf0); wr(GICC + 0, 1);
    wrb(GICD + 0x403, 0x40);
    wr(GICD + 0xf00, (2u << 24) | 3); /* self, SGI 3 */
    kv("SGI_ISPENDR0", rd(GICD + 0x200)); kv("SGI_SPENDSGIR0", rd(GICD + 0xf20)); kv("SGI_HPPIR", rd(GICC + 0x18));
    kv("SGI_RPR_before", rd(GICC + 0x14));
    u32 iar = rd(GICC + 0xc); kv("SGI_IAR", iar);
    kv("SGI_RPR_active", rd(GICC + 0x14)); kv("SGI_ISACTIVER0", rd(GICD + 0x300)); kv("SGI_ISPENDR0_after_ack", rd(GICD + 0x200));
    kv("SGI_APR0", rd(GICC + 0xd0)); kv("SGI_IAR_again", rd(GICC + 0xc));
    wr(GICC + 0x10, iar); kv("SGI_RPR_after_eoi", rd(GICC + 0x14)); kv("SGI_ISACTIVER0_after_eoi", rd(GICD + 0x300));
    /* SGI from SPENDSGIR */
    wrb(GICD + 0xf21, 0x1); kv("SPENDSGI_ISPENDR0", rd(GICD + 0x200)); kv("SPENDSGI_SPENDSGIR0", rd(GICD + 0xf20));
    wrb(GICD + 0xf11, 0x1); kv("CPENDSGI_ISPENDR0", rd(GICD + 0x200));
    /* SPI pending by ISPENDR, priority filtering */
    wrb(GICD + 0x420 + 2, 0x80); /* irq 34 priority 0x80 */
    wr(GICD + 0x104, 1u << 2); wr(GICD + 0x204, 1u << 2);
    kv("SPI34_HPPIR", rd(GICC + 0x18));
    wr(GICC + 4, 0x80); kv("SPI34_HPPIR_pmr80", rd(GICC + 0x18)); kv("SPI34_IAR_pmr80", rd(GICC + 0xc));
    wr(GICC + 4, 0x81); kv("SPI34_HPPIR_pmr81", rd(GICC + 0x18));
    iar = rd(GICC + 0xc); kv("SPI34_IAR", iar); kv("SPI34_RPR", rd(GICC + 0x14));
    kv("SPI34_ISPENDR1_after_ack", rd(GICD + 0x204)); kv("SPI34_ISACTIVER1", rd(GICD + 0x304));
    /* preemption: SGI 5 at prio 0x10 while 34 active */
    wrb(GICD + 0x405, 0x10); wr(GICD + 0xf00, (2u << 24) | 5);
    kv("PRE_HPPIR", rd(GICC + 0x18)); u32 iar2 = rd(GICC + 0xc); kv("PRE_IAR", iar2); kv("PRE_RPR", rd(GICC + 0x14)); kv("PRE_APR0", rd(GICC + 0xd0));
    wr(GICC + 0x10, iar2); kv("PRE_RPR_after_eoi5", rd(GICC + 0x14)); wr(GICC + 0x10, iar); kv("PRE_RPR_after_eoi34", rd(GICC + 0x14));
    /* EOImode split */
    wr(GICC + 0, 1 | (1 << 9)); wr(GICD + 0xf00, (2u << 24) | 6); iar = rd(GICC + 0xc); kv("SPLIT_IAR", iar);
    wr(GICC + 0x10, iar); kv("SPLIT_RPR_after_eoi", rd(GICC + 0x14)); kv("SPLIT_ISACTIVER0", rd(GICD + 0x300));
    wr(GICC + 0x1000, iar); kv("SPLIT_ISACTIVER0_after_dir", rd(GICD + 0x300)); wr(GICC + 0, 1);
    /* ICACTIVER */
    wr(GICD + 0xf00, (2u << 24) | 7); iar = rd(GICC + 0xc); wr(GICD + 0x380, 1u << 7); kv("ICACT_ISACTIVER0", rd(GICD + 0x300)); kv("ICACT_RPR", rd(GICC + 0x14)); wr(GICC + 0x10, iar); kv("ICACT_RPR_after_eoi", rd(GICC+0x14));
    /* group 1 with groups */
    wr(GICD + 0x80, 1u << 8); wr(GICD + 0, 3); wr(GICC + 0, 3); wr(GICD + 0xf00, (2u << 24) | 8);
    kv("G1_HPPIR", rd(GICC + 0x18)); kv("G1_AHPPIR", rd(GICC + 0x28)); iar = rd(GICC + 0xc); kv("G1_IAR_ackctl0", iar);
    wr(GICC + 0, 7); iar = rd(GICC + 0xc); kv("G1_IAR_ackctl1", iar); kv("G1_NSAPR0", rd(GICC + 0xe0)); wr(GICC + 0x10, iar);
    wr(GICD + 0xf00, (2u << 24) | 8); iar = rd(GICC + 0x20); kv("G1_AIAR", iar); wr(GICC + 0x24, iar); kv("G1_RPR_after_aeoi", rd(GICC + 0x14)); kv("G1_ISACTIVER0", rd(GICD+0x300));
    wr(GICD + 0x80, 0); wr(GICD + 0, 1); wr(GICC + 0, 1);
    /* PL031 */
    kv("RTC_DR", rd(RTC + 0)); kv("RTC_MR", rd(RTC + 4)); kv("RTC_LR", rd(RTC + 8)); kv("RTC_CR", rd(RTC + 0xc));
    kv("RTC_IMSC", rd(RTC + 0x10)); kv("RTC_RIS", rd(RTC + 0x14)); kv("RTC_MIS", rd(RTC + 0x18));
    for (int o = 0xfe0; o < 0x1000; o += 4) { puts("RTC_ID_"); hex(o); kv("", rd(RTC + o)); }
    kv("RTC_0x20", rd(RTC + 0x20)); kv("RTC_DR_byte1", rdb(RTC + 1));
    wr(RTC + 8, 1000); kv("RTC_DR_after_LR1000", rd(RTC + 0)); kv("RTC_LR_after", rd(RTC + 8));
    wr(RTC + 0xc, 0); kv("RTC_CR_after_w0", rd(RTC + 0xc)); wr(RTC + 0xc, 0xff); kv("RTC_CR_after_wff", rd(RTC + 0xc));
    wr(RTC + 0x10, 0xff); kv("RTC_IMSC_wff", rd(RTC + 0x10)); wr(RTC + 0x10, 0);
    wr(RTC + 4, rd(RTC + 0) + 1); kv("RTC_MR_set", rd(RTC + 4)); delay_ms(2100);
    kv("RTC_RIS_after_match", rd(RTC + 0x14)); kv("RTC_MIS_masked", rd(RTC + 0x18));
    wr(RTC + 0x10, 1); kv("RTC_MIS_unmasked", rd(RTC + 0x18)); kv("GIC_ISPENDR1_rtc(irq34)", rd(GICD + 0x204));
    wr(RTC + 0x1c, 1); kv("RTC_RIS_after_icr", rd(RTC + 0x14)); wr(RTC + 0x10, 0);
    kv("CNTFRQ", cntfrq());
    puts("PROBE-END\n");
    return 0;
}
