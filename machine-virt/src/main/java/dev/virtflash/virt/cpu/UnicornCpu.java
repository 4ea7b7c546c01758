package dev.virtflash.virt.cpu;

import static dev.virtflash.virt.cpu.UnicornLibrary.*;

import dev.virtflash.memory.AddressSpace;
import dev.virtflash.memory.AddressSpaceListener;
import dev.virtflash.memory.GuestAddress;
import dev.virtflash.memory.MemoryAccessException;
import dev.virtflash.memory.MemoryRegion;
import dev.virtflash.memory.RomDeviceRegion;
import dev.virtflash.virt.devices.ConsoleSink;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One AArch64 Cortex-A57 core emulated by Unicorn, executing the guest of an {@link AddressSpace}.
 *
 * <p>The CPU mirrors the address space it listens to: RAM and ROM devices are mapped from their {@code HostMemory}
 * pointers (never memory allocated by Unicorn), MMIO regions through read/write callbacks to their handlers, and ROM
 * devices switch between a native array mapping and command-mode callbacks as their {@code romd} flag changes (see
 * {@link RomDeviceMapping}). It starts like QEMU's {@code virt} board does for firmware: PC = 0x0, in the exception
 * level Unicorn resets the A57 to (EL1h with D, A, I, F masked: PSTATE 0x400003c5 on 2.1.1), with no
 * register set up.
 *
 * <p>Addresses are translated through the guest's own page tables ({@link AddressTranslation}, on every TLB miss);
 * a translation, access-flag or permission fault is taken into the guest's vector table as an instruction or data
 * abort ({@link AbortDelivery}).
 *
 * <p>{@link #run()} executes until something ends the run and says what, as a {@link CpuExit}: a semihosting exit,
 * a PSCI power-off or reset, a guest access to nothing, an exception the guest cannot take, a time limit, a stop
 * request, or a host-side error. Nothing the guest does ends in an exception out of {@code run}.
 *
 * <p>Interrupts (when created with an {@link InterruptWiring}): the guest's writes to the EL1 timer registers go to
 * the wiring's {@link dev.virtflash.virt.devices.gic.TimerLines} (see {@link GenericTimerBinding}); at every precise
 * stop the CPU brings the timers and devices up to date and, if the IRQ (or FIQ) input is asserted and PSTATE does
 * not mask it, takes the exception into the guest's EL1 vector table ({@link ExceptionEntry#enterInterrupt}). Stops
 * happen when an input rises while the guest runs ({@link #interruptInputsChanged()}), when the next timer or device
 * deadline passes (a {@link DeadlineAlarm} thread), and, while an asserted input is masked, after every block that
 * may have unmasked it. {@code WFI} sleeps until an input is asserted (masked or not), a deadline passes, or
 * {@link #wake()}, {@link #requestStop()} or the time limit end the wait. Without a wiring, {@code WFI} returns at
 * once and no interrupt is ever taken.
 *
 * <p>Threads: one thread runs the CPU at a time. {@link #requestStop()} and the time limit of
 * {@link #run(Duration)} work from any thread and stop at a translation-block boundary, so a later {@code run()}
 * resumes exactly. Address-space events ({@code romdChanged}, {@code contentChanged}) must come from the CPU thread
 * while it runs (devices called by the guest), or from any thread while it does not.
 *
 * <p>Lifetime: close the CPU before the memory it maps. {@link #close()} releases the Unicorn engine and every
 * native hook, and stops listening to the address space.
 *
 * <p>Structure: this class is the public facade and keeps the run loop, the lifecycle and the register API; the
 * rest lives along its seams: {@link MemoryMirror} (the address space mapped into the engine, ROM device lookups),
 * {@link Traps} (exceptions and memory faults from inside a run), {@link SystemInstructionHooks} (MSR and SYS:
 * timers, translation registers, cache and TLB maintenance), {@link InterruptDelivery} (IRQ/FIQ at precise stops,
 * masked polling, WFI), {@link RunControl} (threads, stop requests, the time limit) and {@link PendingExit} (what
 * ends a run). It stays a little over 400 lines because every public method of the CPU is here, most of them
 * one-line delegations, and the class documentation above describes the CPU as a whole.
 */
public final class UnicornCpu implements AutoCloseable, AddressSpaceListener {

    /** Where the CPU starts: QEMU's virt board boots firmware from the start of flash bank 0. */
    public static final long RESET_PC = 0x0;

    /**
     * The default MiB of Unicorn's translated-code buffer per CPU (a board option: QEMU's {@code -accel tcg,tb-size=N}).
     * Unicorn's own
     * default is 1 GiB, and all of it became resident here (transparent huge pages): the buffer is resident in full,
     * so it is most of what a machine costs. Measured: AAVMF boots as fast with 4 MiB as with 16 MiB (three boots
     * 10.9 s vs 11.0 s) and 55 % slower with 2 MiB; 2 MiB is enough for payloads and U-Boot.
     */
    public static final int DEFAULT_TRANSLATION_BUFFER_MIB = 4;

    /**
     * The default for a {@code -kernel} boot: Linux's boot runs more code than 4 MiB of translations hold, and TCG then
     * flushes and translates again (154 flushes and a million translations to a busybox shell, 2.3x as slow as with
     * 16 MiB: 6.4 s against 2.8 s). 8 MiB took 3.9 s, 32 MiB 3.0 s. Linux touches most of its RAM anyway (the buffer
     * adds about 15 MiB to 245).
     */
    public static final int KERNEL_BOOT_TRANSLATION_BUFFER_MIB = 16;

    private static final Logger LOG = LoggerFactory.getLogger(UnicornCpu.class);

    /** WFI: 0xD503207F. */
    static final int WFI = 0xD503_207F;

    private final UnicornEngine engine;
    private final PreciseStopper stopper;
    private final Semihosting semihosting;
    private final MemoryMirror memory;
    private final RomDeviceMapping.Faults faults;
    private final AddressTranslation translation;
    private final Traps traps;
    private final SystemInstructionHooks systemHooks;
    private final PostedFlashWrites posted;
    private final long initialPstate;
    private final long powerOnState;

    private final InterruptWiring wiring;
    private final GenericTimerBinding timer;
    private final DeadlineAlarm alarm;
    /** Null without a wiring, as are {@link #timer} and {@link #alarm}. */
    private final InterruptDelivery interrupts;
    /** True while uc_emu_start runs (CPU thread only). */
    private boolean inEngine;

    private final RunControl control;
    /** Set by hooks on the CPU thread; read by the run loop on the same thread. */
    private final PendingExit exits;
    private AddressSpace space;

    private UnicornCpu(ConsoleSink console, InterruptWiring wiring, int translationBufferMiB) {
        this.semihosting = new Semihosting(Objects.requireNonNull(console, "console"));
        this.wiring = wiring;
        this.engine = UnicornEngine.openCortexA57(translationBufferMiB);
        PreciseStopper createdStopper = null;
        SystemInstructionHooks createdHooks = null;
        PostedFlashWrites createdPosted = null;
        try {
            this.exits = new PendingExit(engine);
            if (wiring != null) {
                this.timer = new GenericTimerBinding(engine, wiring.timers());
                this.alarm = new DeadlineAlarm("virtflash-cpu-deadline", this::deadlinePassed);
            } else {
                this.timer = null;
                this.alarm = null;
            }
            createdStopper = new PreciseStopper(engine);
            this.stopper = createdStopper;
            this.control = new RunControl(stopper);
            this.faults = new RomDeviceMapping.Faults() {
                @Override
                public void accessPastEnd(long address, int size, MemoryAccessException.Kind kind, String region) {
                    exits.end(traps.accessFault(address, kind, size, "past the end of " + region));
                }

                @Override
                public void hostError(String message, Throwable cause) {
                    exits.hostError(message, cause);
                }
            };
            createdPosted = new PostedFlashWrites(faults);
            this.posted = createdPosted;
            this.memory = new MemoryMirror(engine, faults, exits, posted);
            this.translation = memory.translation();
            createdHooks = new SystemInstructionHooks(engine, translation, stopper, exits, timer, alarm, wiring);
            this.systemHooks = createdHooks;
            systemHooks.install();
            this.interrupts = wiring == null ? null
                    : new InterruptDelivery(engine, stopper, wiring, timer, alarm, control);
            this.traps = new Traps(engine, memory, semihosting, exits, posted);
            traps.install();
            // Unicorn's A57 keeps EL2 and EL3 but starts at EL1 with SCR_EL3 = 0, i.e. RW = 0: QEMU then treats EL1
            // as AArch32 for exception returns, and every ERET to EL1 becomes an illegal return that sets PSTATE.IL
            // (the first ERET of an exception handler at EL1 does that). An AArch64 EL1 needs SCR_EL3.RW = 1.
            engine.scrEl3(engine.scrEl3() | UnicornEngine.SCR_RW);
            engine.pc(RESET_PC);
            this.initialPstate = engine.pstate();
            this.powerOnState = engine.saveContext();
            LOG.debug("Unicorn {} Cortex-A57 (MIDR 0x{}) starts at pc 0x0, PSTATE 0x{} (EL{}), page size {}, a TLBI "
                            + "by address drops {}", UnicornLibrary.version(), Long.toHexString(engine.midr()),
                    Long.toHexString(initialPstate), (initialPstate >>> 2) & 3, memory.pageSize(),
                    engine.flushesTlbPages() ? "the guest's page" : "the whole TLB");
        } catch (RuntimeException | Error e) {
            engine.close();
            if (createdStopper != null) {
                createdStopper.close();
            }
            if (createdHooks != null) {
                createdHooks.close();
            }
            if (createdPosted != null) {
                createdPosted.close();
            }
            throw e;
        }
    }

    /**
     * Creates a CPU that executes {@code space}'s guest, mapping every region of it now and following its ROM
     * devices from then on.
     *
     * @param console where semihosting console output goes
     * @throws IllegalStateException    if Unicorn is missing or older than 2.1 (one line saying how to install it)
     * @throws IllegalArgumentException if a region is not placed on a 4 KiB boundary
     * @throws UnicornException         if Unicorn refuses a mapping
     */
    public static UnicornCpu create(AddressSpace space, ConsoleSink console) {
        return create(space, console, null);
    }

    /**
     * Like {@link #create(AddressSpace, ConsoleSink)}, with the core's interrupt inputs and timers connected to
     * {@code wiring} (null for none).
     */
    public static UnicornCpu create(AddressSpace space, ConsoleSink console, InterruptWiring wiring) {
        return create(space, console, wiring, DEFAULT_TRANSLATION_BUFFER_MIB);
    }

    /**
     * Like {@link #create(AddressSpace, ConsoleSink, InterruptWiring)}, with a translated-code buffer of
     * {@code translationBufferMiB} MiB instead of {@link #DEFAULT_TRANSLATION_BUFFER_MIB}.
     */
    public static UnicornCpu create(AddressSpace space, ConsoleSink console, InterruptWiring wiring,
                                    int translationBufferMiB) {
        Objects.requireNonNull(space, "space");
        UnicornCpu cpu = new UnicornCpu(console, wiring, translationBufferMiB);
        try {
            space.addListener(cpu);
            cpu.space = space;
        } catch (RuntimeException | Error e) {
            space.removeListener(cpu);
            cpu.close();
            throw e;
        }
        return cpu;
    }

    // ---- AddressSpaceListener ----

    @Override
    public void regionMapped(GuestAddress base, MemoryRegion region) {
        memory.regionMapped(base, region);
    }

    @Override
    public void romdChanged(GuestAddress base, RomDeviceRegion region, boolean romd) {
        boolean running = control.checkEventThread("romdChanged");
        if (memory.romdChanged(base, romd, running)) {
            stopper.request();
        }
    }

    @Override
    public void contentChanged(GuestAddress base, RomDeviceRegion region, long offset, long length) {
        control.checkEventThread("contentChanged");
        memory.contentChanged(base, offset, length);
    }

    // ---- running ----

    /** Runs until the guest or a {@link #requestStop()} ends the run. Resumes where the last run stopped. */
    public CpuExit run() {
        return run(null);
    }

    /**
     * Runs for at most {@code limit} (wall-clock), then stops at a block boundary and returns
     * {@link CpuExit.Timeout}; {@code null} means no limit.
     */
    public CpuExit run(Duration limit) {
        control.begin();
        Thread watchdog = limit == null ? null : control.startWatchdog(limit);
        try {
            return loop(limit);
        } finally {
            if (watchdog != null) {
                watchdog.interrupt();
            }
            control.end();
            if (alarm != null) {
                alarm.arm(DeadlineAlarm.NEVER);
            }
        }
    }

    private CpuExit loop(Duration limit) {
        exits.clear();
        while (true) {
            // Requests made before this point are answered by the state checks below; a request made after it
            // stops the next run at its first block.
            stopper.clear();
            translation.registersChanged();
            systemHooks.endZeroingRun();
            if (systemHooks.takeTranslationFlush()) {
                engine.flushTranslationsForGuest();
            }
            memory.switchPendingRoms();
            RunControl.ExternalStop stop = control.takeExternalStop();
            if (stop != null) {
                GuestAddress pc = new GuestAddress(engine.pc());
                return stop == RunControl.ExternalStop.TIMEOUT ? new CpuExit.Timeout(pc, limit)
                        : new CpuExit.Stopped(pc);
            }
            if (wiring != null) {
                interrupts.service();
            }
            inEngine = true;
            translation.enterGuest();
            int err;
            try {
                err = engine.start(engine.pc(), AddressTranslation.RUN_UNTIL);
            } finally {
                translation.leaveGuest();
                inEngine = false;
                posted.deliver();
            }
            boolean requested = stopper.requested();
            CpuExit exit = exits.take();
            if (exit != null) {
                if (LOG.isDebugEnabled()) { // describe() formats: java.util.Formatter costs a payload run ~5 ms
                    LOG.debug("run ended: {}", exit.describe());
                }
                return exit;
            }
            long pc = engine.pc();
            AddressTranslation.Abort abort = err == UC_ERR_EXCEPTION ? translation.takeAbort() : null;
            if (abort != null) {
                CpuExit refused = AbortDelivery.deliver(engine, traps.faultingCpu(), abort, pc);
                if (refused != null) {
                    if (LOG.isDebugEnabled()) {
                        LOG.debug("run ended: {}", refused.describe());
                    }
                    return refused;
                }
                continue;
            }
            if (err != UC_ERR_OK) {
                return new CpuExit.HostError(String.format("Unicorn stopped at pc 0x%x: %s (uc_err %d)", pc,
                        uc_strerror(err), err), null);
            }
            // A run that ended with no stop request and no exit ended at a WFI (Unicorn returns with PC after it).
            if (!requested && wiring != null && traps.instructionAt(pc - 4) == (WFI & 0xFFFF_FFFFL)) {
                interrupts.waitForInterrupt(this);
            }
        }
    }

    /** The alarm thread: the next timer or device event is due. */
    private void deadlinePassed() {
        control.wake();
    }

    /**
     * A device changed the interrupt controller's outputs, or when its next event is due
     * ({@link InterruptWiring#nextEventNanos()}). On the CPU thread while the guest runs (a device access), this asks
     * for a precise stop so the inputs and deadlines are looked at before the next block; at other times they are
     * looked at before the guest runs again anyway. From another thread it is the same as {@link #wake()}.
     */
    public void interruptInputsChanged() {
        Thread t = control.running();
        if (t == Thread.currentThread()) {
            if (inEngine) {
                stopper.request();
            }
        } else {
            wake();
        }
    }

    /**
     * Something outside the CPU thread has news for the devices (for example console input arrived): a CPU sleeping
     * in WFI polls its devices again, and a running CPU stops at the next block to do so. Safe from any thread;
     * does nothing when the CPU is not running.
     */
    public void wake() {
        control.wake();
    }

    /**
     * Runs {@code work} on the CPU thread when it is due, between two runs of the guest (see {@link Housekeeping}).
     * For a CPU without interrupt wiring (no alarm, no WFI wait) it is never run.
     */
    public void housekeeping(Housekeeping work) {
        if (interrupts != null) {
            interrupts.housekeeping(work);
        }
    }

    /** How many IRQ and FIQ exceptions the CPU has taken into the guest. */
    public long interruptsTaken() {
        return interrupts == null ? 0 : interrupts.interruptsTaken();
    }

    /** How many WFI instructions made the CPU wait for an interrupt. */
    public long waitsForInterrupt() {
        return interrupts == null ? 0 : interrupts.waitsForInterrupt();
    }

    /** How many times an asserted interrupt input was found masked at a stop. */
    public long maskedInterruptPolls() {
        return interrupts == null ? 0 : interrupts.maskedPolls();
    }

    /** How many guest writes to the EL1 timer registers were handled (0 without an {@link InterruptWiring}). */
    public long timerRegisterWrites() {
        return timer == null ? 0 : timer.writes();
    }

    /** How many TLBI-by-VA instructions made the CPU drop its whole TLB (see {@link SystemInstructionHooks}). */
    public long tlbFlushesByVa() {
        return systemHooks.tlbFlushesByVa();
    }

    /** How many SYS instructions (cache and TLB maintenance) the guest executed. */
    public long systemInstructions() {
        return systemHooks.systemInstructions();
    }

    /**
     * Asks a running CPU to stop at the next translation-block boundary; {@link #run} then returns
     * {@link CpuExit.Stopped}. Safe from any thread; does nothing if the CPU is not running.
     */
    public void requestStop() {
        control.requestStop();
    }

    // ---- registers ----

    /** The program counter. */
    public GuestAddress pc() {
        return new GuestAddress(engine.pc());
    }

    /** Sets the program counter (only while not running). */
    public void pc(long value) {
        engine.pc(value);
    }

    /** The stack pointer of the current exception level. */
    public long sp() {
        return engine.sp();
    }

    /** Sets the current stack pointer (only while not running). */
    public void sp(long value) {
        engine.sp(value);
    }

    /** General-purpose register {@code x0}..{@code x30}. */
    public long x(int n) {
        return engine.x(n);
    }

    /** Sets {@code x0}..{@code x30} (only while not running). */
    public void x(int n, long value) {
        engine.x(n, value);
    }

    /** PSTATE as Unicorn reports it (SPSR layout; bits 3:2 are the exception level). */
    public long pstate() {
        return engine.pstate();
    }

    /** PSTATE right after reset: 0x400003c5 (EL1h, DAIF masked, Z set) on Unicorn 2.1.1's Cortex-A57. */
    public long initialPstate() {
        return initialPstate;
    }

    /** The current exception level, 0 to 3. */
    public int exceptionLevel() {
        return (int) ((engine.pstate() >>> 2) & 3);
    }

    /** MIDR_EL1, e.g. 0x411fd070 for a Cortex-A57 r1p0. */
    public long midr() {
        return engine.midr();
    }

    /**
     * Puts the CPU back into its power-on state: every register and system register as after creation, PC = 0x0.
     * Memory and devices are the board's business (a board handling {@link CpuExit.Reset} resets its devices, then
     * calls this, then runs again). Only while not running.
     */
    public void reset() {
        control.requireIdle("reset of a closed CPU", "reset while running");
        engine.restoreContext(powerOnState);
        // The context holds no TLB: drop the translations of the guest's page tables before it (MMU off) comes back.
        engine.flushTlb();
        translation.registersChanged();
        if (timer != null) {
            timer.invalidate();
        }
    }

    /** How many stores reached ROM devices through the posted-write stub, not one Java upcall each. */
    long postedRomWrites() {
        return posted.posted();
    }

    /** How many times the ROM device at {@code base} was switched between array and command mapping. */
    public long romDeviceSwitches(GuestAddress base) {
        RomDeviceMapping rom = memory.rom(base.value());
        if (rom == null) {
            throw new IllegalArgumentException("no ROM device at " + base);
        }
        return rom.switches();
    }

    /**
     * How many times the code translated from the ROM device at {@code base} was dropped on entering command mode
     * (only when code was fetched from its array since the previous drop).
     */
    public long romDeviceTranslationDrops(GuestAddress base) {
        RomDeviceMapping rom = memory.rom(base.value());
        if (rom == null) {
            throw new IllegalArgumentException("no ROM device at " + base);
        }
        return rom.drops();
    }

    /**
     * Releases the engine and stops listening to the address space. If the CPU is running on another thread, asks
     * it to stop and waits for the run to return first. Idempotent.
     */
    @Override
    public void close() {
        if (!control.close()) {
            return;
        }
        if (space != null) {
            space.removeListener(this);
        }
        if (alarm != null) {
            alarm.close();
        }
        engine.close();
        stopper.close(); // after the engine: its translated code calls the stopper's stub
        systemHooks.close(); // and the SYS filter
        posted.close(); // and the write-protect hook's stub
    }

    @Override
    public String toString() {
        return "UnicornCpu[Cortex-A57, " + memory.size() + " regions]";
    }
}
