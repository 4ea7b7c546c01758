package dev.virtflash.virt.cpu;

import com.sun.jna.Pointer;

/**
 * The CPU's system-instruction hooks (CPU thread only, from inside a run): the MSR hook, which hands the guest's
 * writes to the EL1 generic-timer registers to the {@link GenericTimerBinding} (re-arming the deadline alarm) and
 * tells {@link AddressTranslation} when a register that may change translation is written; and the SYS hook (cache
 * and TLB maintenance), which drops translated code and TLB entries where Unicorn 2.1.1 would keep stale ones. Owns
 * the counters of both and the pending request to drop every translation at the next stop (IC IALLU).
 *
 * <p>Most data-cache maintenance needs nothing from the binding: AAVMF cleans every cache line of each image it loads
 * (DC CVAU, about 100,000 before {@code Shell>}). On x86-64 hosts the SYS hook is therefore {@link #SYS_FILTER_X86_64},
 * a native stub that counts those and returns at once, and calls the Java hook only for the first DC ZVA or IC IVAU of
 * a run of them through a page (see {@link #onSys}), IC IALLU(IS) and the TLB maintenance instructions.
 * Likewise the MSR hook is {@link #MSR_FILTER_X86_64} in front of Java: only SCTLR_EL1, TTBR0/1_EL1, TCR_EL1 and the
 * timer registers need the binding, and Linux writes others (ELR_EL1, SPSR_EL1, SP_EL0 at every exception return,
 * about 100,000 times to its shell). The stubs' pages are closed with this object, after the engine.
 */
final class SystemInstructionHooks implements AutoCloseable {

    /**
     * The SYS hook's callback, {@code int (uc_engine *uc, int reg, const uc_arm64_cp_reg *cp, void *state)} in the
     * System V ABI (rdi, esi, rdx, rcx). With CRn 7 and CRm other than 1 (IC IALLUIS), 4 (DC ZVA) and 5 (IC IALLU,
     * IC IVAU) it adds one to {@code state[1]} and returns 0 (Unicorn then runs the instruction, a no-op for the
     * caches it does not have). A DC ZVA (CRm 4) of the block right after {@code state[3]} in the same 4 KiB page
     * stores its block in {@code state[3]} and is answered the same way (the Java hook dropped the page's code at the
     * run's first block); likewise an IC IVAU (CRm 5, op2 1) of the line right after {@code state[4]} in the same
     * page. Everything else tail-calls the Java hook at {@code state[0]} with the same arguments.
     */
    static final byte[] SYS_FILTER_X86_64 = {
        (byte) 0x8b, 0x02,                   //  0 mov  eax, [rdx]          CRn
        (byte) 0x83, (byte) 0xf8, 0x07,      //  2 cmp  eax, 7
        0x75, 0x19,                          //  5 jne  java
        (byte) 0x8b, 0x42, 0x04,             //  7 mov  eax, [rdx + 4]      CRm
        (byte) 0x83, (byte) 0xf8, 0x04,      // 10 cmp  eax, 4              DC ZVA
        0x74, 0x1f,                          // 13 je   zva
        (byte) 0x83, (byte) 0xf8, 0x01,      // 15 cmp  eax, 1              IC IALLUIS
        0x74, 0x0c,                          // 18 je   java
        (byte) 0x83, (byte) 0xf8, 0x05,      // 20 cmp  eax, 5              IC IALLU, IC IVAU
        0x74, 0x09,                          // 23 je   ic
        0x48, (byte) 0xff, 0x41, 0x08,       // 25 native: inc qword [rcx + 8]
        0x31, (byte) 0xc0,                   // 29 xor  eax, eax
        (byte) 0xc3,                         // 31 ret
        (byte) 0xff, 0x21,                   // 32 java: jmp [rcx]
        (byte) 0x83, 0x7a, 0x10, 0x01,       // 34 ic: cmp dword [rdx + 16], 1   op2: IC IVAU (IC IALLU is 0)
        0x75, (byte) 0xf8,                   // 38 jne  java
        0x4c, (byte) 0x8d, 0x51, 0x20,       // 40 lea  r10, [rcx + 32]     the IC IVAU run
        (byte) 0xeb, 0x04,                   // 44 jmp  run
        0x4c, (byte) 0x8d, 0x51, 0x18,       // 46 zva: lea r10, [rcx + 24] the DC ZVA run
        0x4c, (byte) 0x8b, 0x42, 0x18,       // 50 run: mov r8, [rdx + 24]  the operand
        0x49, (byte) 0x83, (byte) 0xe0, (byte) 0xc0, // 54 and r8, -64     its block or line
        0x4d, (byte) 0x8b, 0x0a,             // 58 mov  r9, [r10]           the run's last
        0x49, (byte) 0x83, (byte) 0xc1, 0x40, // 61 add r9, 64
        0x4d, 0x39, (byte) 0xc8,             // 65 cmp  r8, r9
        0x75, (byte) 0xda,                   // 68 jne  java                not the next one
        0x4d, (byte) 0x89, 0x02,             // 70 mov  [r10], r8
        0x49, (byte) 0xf7, (byte) 0xc0, (byte) 0xff, 0x0f, 0x00, 0x00, // 73 test r8, 0xfff
        0x74, (byte) 0xce,                   // 80 je   java                the first of the next page
        (byte) 0xeb, (byte) 0xc5,            // 82 jmp  native
    };

    /**
     * The MSR hook's callback, with the SYS hook's arguments: for CRn 1 (SCTLR_EL1 and its neighbours), 2 (TTBR0/1_EL1,
     * TCR_EL1) and 14 (the generic timer) it tail-calls the Java hook at {@code state[0]}; else it returns 0 (Unicorn
     * writes the register).
     */
    static final byte[] MSR_FILTER_X86_64 = {
        (byte) 0x8b, 0x02,                   //  0 mov  eax, [rdx]          CRn
        (byte) 0x83, (byte) 0xf8, 0x01,      //  2 cmp  eax, 1
        0x74, 0x0d,                          //  5 je   java
        (byte) 0x83, (byte) 0xf8, 0x02,      //  7 cmp  eax, 2
        0x74, 0x08,                          // 10 je   java
        (byte) 0x83, (byte) 0xf8, 0x0e,      // 12 cmp  eax, 14
        0x74, 0x03,                          // 15 je   java
        0x31, (byte) 0xc0,                   // 17 xor  eax, eax
        (byte) 0xc3,                         // 19 ret
        (byte) 0xff, 0x21,                   // 20 java: jmp [rcx]
    };
    /** Where the SYS filter's state keeps the last block of a DC ZVA run; {@link #NO_RUN} ends the run. */
    private static final long ZVA_RUN_OFFSET = 24;
    /** Where it keeps the last line of an IC IVAU run. */
    private static final long IVAU_RUN_OFFSET = 32;
    /** Never a block: the next DC ZVA goes to Java. */
    private static final long NO_RUN = 1;
    private static final long PAGE = 4096;

    /** Cache maintenance instructions are SYS with CRn 7; (op1, CRm, op2) of the ones the CPU acts on. */
    private static final int CACHE_CRN = 7;
    /** DC ZVA: SYS #3, C7, C4, #1. */
    private static final int DC_ZVA = sysKey(3, 4, 1);
    /** IC IVAU: SYS #3, C7, C5, #1. */
    private static final int IC_IVAU = sysKey(3, 5, 1);
    /** IC IALLU: SYS #0, C7, C5, #0. */
    private static final int IC_IALLU = sysKey(0, 5, 0);
    /** IC IALLUIS: SYS #0, C7, C1, #0. */
    private static final int IC_IALLUIS = sysKey(0, 1, 0);
    /** Bytes one DC ZVA zeroes on the Cortex-A57 (DCZID_EL0.BS = 4: 16 words). */
    static final long DC_ZVA_BLOCK_BYTES = 64;
    /** The Cortex-A57's smallest instruction cache line (CTR_EL0.IminLine = 4: 16 words). */
    static final long ICACHE_LINE_BYTES = 64;

    /** TLB maintenance is SYS with CRn 8; op1 0 and an odd op2 are the EL1 invalidations by VA. */
    private static final int TLBI_CRN = 8;
    /** CRn of the MSRs that may change translation: SCTLR_EL1 (C1) and TTBR0/TTBR1/TCR_EL1 (C2). */
    private static final int MMU_CRN_SCTLR = 1;
    private static final int MMU_CRN_TRANSLATION = 2;
    /** CRn of the generic-timer registers. */
    private static final int TIMER_CRN = 14;

    /** Where the MSR hook finds the fields of {@code uc_arm64_cp_reg}. */
    private static final int CP_CRN = 0;
    private static final int CP_CRM = 4;
    private static final int CP_OP0 = 8;
    private static final int CP_OP1 = 12;
    private static final int CP_OP2 = 16;
    private static final int CP_VAL = 24;

    private final UnicornEngine engine;
    private final AddressTranslation translation;
    private final PreciseStopper stopper;
    private final PendingExit exits;
    /** Null without an {@link InterruptWiring}, as are {@link #alarm} and {@link #wiring}. */
    private final GenericTimerBinding timer;
    private final DeadlineAlarm alarm;
    private final InterruptWiring wiring;

    private long systemInstructions;
    private long tlbFlushesByVa;
    /** An IC IALLU(IS) asked to drop every translation at the next stop (CPU thread only). */
    private boolean flushTranslations;
    /** The native SYS filter, or null where the Java hook sees every SYS instruction. */
    private NativeStub sysFilter;
    /** The native MSR filter, or null where the Java hook sees every MSR. */
    private NativeStub msrFilter;

    SystemInstructionHooks(UnicornEngine engine, AddressTranslation translation, PreciseStopper stopper,
                           PendingExit exits, GenericTimerBinding timer, DeadlineAlarm alarm, InterruptWiring wiring) {
        this.engine = engine;
        this.translation = translation;
        this.stopper = stopper;
        this.exits = exits;
        this.timer = timer;
        this.alarm = alarm;
        this.wiring = wiring;
    }

    /** Registers the MSR hook, then the SYS hook (the native filter in front of it where it runs), with the engine. */
    void install() {
        UnicornLibrary.HookSys msr = (uc, reg, cp, userData) -> onMsr(cp);
        UnicornLibrary.HookSys sys = (uc, reg, cp, userData) -> onSys(cp);
        if (!NativeStub.supported()) {
            engine.hookMsr(msr);
            engine.hookSys(sys);
            return;
        }
        msrFilter = NativeStub.of(MSR_FILTER_X86_64);
        msrFilter.state().setLong(0, engine.keepCallback(msr));
        engine.hookMsrNative(msrFilter.code(), Pointer.nativeValue(msrFilter.state()));
        sysFilter = NativeStub.of(SYS_FILTER_X86_64);
        sysFilter.state().setLong(0, engine.keepCallback(sys));
        sysFilter.state().setLong(ZVA_RUN_OFFSET, NO_RUN);
        sysFilter.state().setLong(IVAU_RUN_OFFSET, NO_RUN);
        engine.hookSysNative(sysFilter.code(), Pointer.nativeValue(sysFilter.state()));
    }

    /** Unmaps the native filters; only after the engine is closed (its translated code calls them). */
    @Override
    public void close() {
        if (sysFilter != null) {
            sysFilter.close();
        }
        if (msrFilter != null) {
            msrFilter.close();
        }
    }

    /**
     * Ends a run of DC ZVA or IC IVAU through a page: the next one goes to the Java hook again. Called before every
     * run of the engine, and wherever the guest may have changed what its virtual pages map to (TLBI, SCTLR/TTBR/TCR
     * writes).
     */
    void endZeroingRun() {
        if (sysFilter != null) {
            sysFilter.state().setLong(ZVA_RUN_OFFSET, NO_RUN);
            sysFilter.state().setLong(IVAU_RUN_OFFSET, NO_RUN);
        }
    }

    private static int sysKey(int op1, int crm, int op2) {
        return op1 << 8 | crm << 4 | op2;
    }

    /**
     * The SYS hook (cache and TLB maintenance). Unicorn 2.1.1 misses some changes to memory that holds translated
     * code: its DC ZVA zeroes the block through the host pointer without dropping code translated from it
     * (measured), and AAVMF, which zeroes with DC ZVA and loads new drivers where old ones were, then ran stale code
     * and jumped to 0xFFFF_FFFF_FFFF_FFFF before {@code Shell>}. Nor does it see a store to code through another
     * virtual address than the one the code was translated at (it watches translated pages by virtual address): a
     * kernel that patches its text through a fixmap then runs the old code (payload {@code mmu}, scenario
     * {@code mmu-code-alias}). So the binding drops translations where the architecture says code may have changed:
     * the block of a DC ZVA, the line of an IC IVAU (which the architecture requires after writing code), and
     * everything at an IC IALLU(IS) (at the next precise stop, not inside the running block). Unicorn then carries out
     * the instruction itself.
     *
     * <p>Zeroing with DC ZVA comes in runs, block after block (Linux clears every page it hands out so, 64 blocks a
     * page: about 800,000 DC ZVA to its shell). So a DC ZVA drops the code of its whole 4 KiB page (4 KiB of virtual
     * addresses are 4 KiB of physical ones with every granule), and the native filter answers the next blocks of the
     * same page itself, as long as each is the block after the last, within one run of the engine and with no
     * translation change in between. What that leaves out: code run from the page between two of its blocks, and
     * zeroed by the later one, stays translated (the guest would be running code it is zeroing; an IC IVAU still
     * drops it, as the architecture requires before new code runs).
     *
     * <p>Instruction-cache invalidation comes in runs too: AAVMF invalidates each driver it loads line by line (about
     * 120,000 IC IVAU before {@code Shell>}), Linux each range of code it writes. So an IC IVAU, the same way, drops
     * the code of its whole page and starts a run that the filter continues line after line. What that leaves out: code
     * that the guest runs from the page in the middle of such a run and then changes, unseen by Unicorn (through
     * another virtual address, or with DC ZVA), before a later line of the same run: that line's IC IVAU then drops
     * nothing. The architecture makes the guest invalidate after writing code, not while it runs it.
     */
    int onSys(long cp) {
        try {
            systemInstructions++;
            com.sun.jna.Pointer p = new com.sun.jna.Pointer(cp);
            int crn = p.getInt(CP_CRN);
            if (crn == TLBI_CRN) {
                endZeroingRun();
                if (p.getInt(CP_OP1) == 0 && (p.getInt(CP_OP2) & 1) != 0) {
                    // TLBI VAE1, VAAE1, VALE1, VAALE1 (and their IS forms): Unicorn drops one of its 1 KiB pages,
                    // not the guest's whole page (4, 16 or 64 KiB). The operand holds VA[55:12] in its bits 43:0.
                    long va = (p.getLong(CP_VAL) << 20) >> 8;
                    if (translation.invalidateGuestPage(va)) {
                        tlbFlushesByVa++;
                    }
                }
                return 0;
            }
            if (crn != CACHE_CRN) {
                return 0;
            }
            int key = sysKey(p.getInt(CP_OP1), p.getInt(CP_CRM), p.getInt(CP_OP2));
            if (key == DC_ZVA) {
                // By physical address: the operand is virtual, and the page may not even be executable.
                long va = p.getLong(CP_VAL) & -DC_ZVA_BLOCK_BYTES;
                long page = translation.physical(va & -PAGE);
                if (page != -1) { // else Unicorn's own DC ZVA faults, and the abort is delivered
                    engine.removeTranslations(page, page + PAGE);
                    if (sysFilter != null) {
                        sysFilter.state().setLong(ZVA_RUN_OFFSET, va);
                    }
                } else {
                    endZeroingRun();
                }
            } else if (key == IC_IVAU) {
                // The whole page, as for DC ZVA: code is invalidated line after line through the pages it fills.
                long va = p.getLong(CP_VAL) & -ICACHE_LINE_BYTES;
                long page = translation.physical(va & -PAGE);
                if (page != -1) { // IC IVAU of an unmapped address does nothing, as in QEMU
                    engine.removeTranslations(page, page + PAGE);
                    if (sysFilter != null) {
                        sysFilter.state().setLong(IVAU_RUN_OFFSET, va);
                    }
                } else if (sysFilter != null) {
                    sysFilter.state().setLong(IVAU_RUN_OFFSET, NO_RUN);
                }
            } else if (key == IC_IALLU || key == IC_IALLUIS) {
                flushTranslations = true;
                stopper.request();
            }
            return 0;
        } catch (Throwable t) {
            exits.hostError("handling a guest cache maintenance instruction failed: " + t, t);
            return 1;
        }
    }

    /** The MSR hook: timer registers go to the timer binding; everything else stays with Unicorn. */
    int onMsr(long cp) {
        try {
            com.sun.jna.Pointer p = new com.sun.jna.Pointer(cp);
            int op0 = p.getInt(CP_OP0);
            int op1 = p.getInt(CP_OP1);
            int crn = p.getInt(CP_CRN);
            int crm = p.getInt(CP_CRM);
            int op2 = p.getInt(CP_OP2);
            if (crn == MMU_CRN_SCTLR || crn == MMU_CRN_TRANSLATION) {
                translation.registersChanged(); // SCTLR_EL1, TTBR0/1_EL1, TCR_EL1 (and their neighbours)
                endZeroingRun();
                return 0;
            }
            if (crn != TIMER_CRN || timer == null) {
                return 0; // fast path: not a generic-timer register
            }
            if (!timer.write(op0, op1, crn, crm, op2, p.getLong(CP_VAL))) {
                return 0;
            }
            // A new compare value or enable bit moves the next deadline (the line itself, if it rose, already
            // asked for a stop through the interrupt controller).
            long now = System.nanoTime();
            alarm.arm(Math.min(timer.nextDeadlineNanos(now), wiring.nextEventNanos()));
            return 1;
        } catch (Throwable t) {
            exits.hostError("handling a guest MSR failed: " + t, t);
            return 1;
        }
    }

    /** Whether an IC IALLU(IS) asked to drop every translation since the last call; forgets the request. */
    boolean takeTranslationFlush() {
        boolean flush = flushTranslations;
        flushTranslations = false;
        return flush;
    }

    /** How many TLBI-by-VA instructions made the CPU drop its whole TLB (see {@link #onSys}). */
    long tlbFlushesByVa() {
        return tlbFlushesByVa;
    }

    /** How many SYS instructions (cache and TLB maintenance) the guest executed. */
    long systemInstructions() {
        return systemInstructions + (sysFilter == null ? 0 : sysFilter.state().getLong(8));
    }
}
