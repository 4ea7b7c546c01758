package dev.virtflash.virt.cpu;

import static dev.virtflash.virt.cpu.UnicornLibrary.*;

import dev.virtflash.memory.AddressSpace;
import dev.virtflash.memory.AddressSpaceListener;
import dev.virtflash.memory.GuestAddress;
import dev.virtflash.memory.MemoryAccessException;
import dev.virtflash.memory.MemoryRegion;
import dev.virtflash.memory.MmioRegion;
import dev.virtflash.memory.RamRegion;
import dev.virtflash.memory.RomDeviceRegion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
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
 * <p>{@link #run()} executes until something ends the run and says what, as a {@link CpuExit}: a semihosting exit,
 * a PSCI power-off or reset, a guest access to nothing, an exception the guest cannot take, a time limit, a stop
 * request, or a host-side error. Nothing the guest does ends in an exception out of {@code run}.
 *
 * <p>Threads: one thread runs the CPU at a time. {@link #requestStop()} and the time limit of
 * {@link #run(Duration)} work from any thread and stop at a translation-block boundary, so a later {@code run()}
 * resumes exactly. Address-space events ({@code romdChanged}, {@code contentChanged}) must come from the CPU thread
 * while it runs (devices called by the guest), or from any thread while it does not.
 *
 * <p>Lifetime: close the CPU before the memory it maps. {@link #close()} releases the Unicorn engine and every
 * native hook, and stops listening to the address space.
 */
public final class UnicornCpu implements AutoCloseable, AddressSpaceListener {

    /** Where the CPU starts: QEMU's virt board boots firmware from the start of flash bank 0. */
    public static final long RESET_PC = 0x0;

    /** The {@code until} address handed to uc_emu_start: one no instruction can be at (not 4-byte aligned). */
    private static final long NEVER_REACHED = 0xFFFF_FFFF_FFFF_FFFEL;

    // Exception indexes as Unicorn 2.1.1 hands them to UC_HOOK_INTR (QEMU target/arm/cpu.h).
    static final int EXCP_UDEF = 1;
    static final int EXCP_SWI = 2;
    static final int EXCP_PREFETCH_ABORT = 3;
    static final int EXCP_DATA_ABORT = 4;
    static final int EXCP_BKPT = 7;
    static final int EXCP_HVC = 11;
    static final int EXCP_SMC = 13;

    /** HVC #imm16 and SMC #imm16: 0xD4000002/3 | imm16 << 5. */
    private static final int EXC_MASK = 0xFFE0_001F;
    private static final int HVC = 0xD400_0002;
    private static final int SMC = 0xD400_0003;

    private static final Logger LOG = LoggerFactory.getLogger(UnicornCpu.class);

    private enum ExternalStop { TIMEOUT, REQUEST }

    private final UnicornEngine engine;
    private final PreciseStopper stopper;
    private final Semihosting semihosting;
    private final List<RomDeviceMapping> roms = new ArrayList<>();
    private final List<AddressSpace.Mapping> mapped = new ArrayList<>();
    private final RomDeviceMapping.Faults faults;
    private final FaultingInstruction.Cpu faultingCpu = new FaultingInstruction.Cpu() {
        @Override
        public long base(int n) {
            return n == 31 ? engine.sp() : engine.x(n);
        }

        @Override
        public long index(int n) {
            return n == 31 ? 0 : engine.x(n);
        }

        @Override
        public long instruction(long pc) {
            return instructionAt(pc);
        }
    };
    private final long pageSize;
    private final long initialPstate;
    private final long powerOnState;

    private final Object lock = new Object();
    private Thread runner;
    private boolean closed;
    private final AtomicReference<ExternalStop> externalStop = new AtomicReference<>();
    /** Set by hooks on the CPU thread; read by the run loop on the same thread. */
    private CpuExit pendingExit;
    private AddressSpace space;

    private UnicornCpu(ConsoleSink console) {
        this.semihosting = new Semihosting(Objects.requireNonNull(console, "console"));
        this.engine = UnicornEngine.openCortexA57();
        try {
            this.stopper = new PreciseStopper(engine);
            this.faults = new RomDeviceMapping.Faults() {
                @Override
                public void accessPastEnd(long address, int size, MemoryAccessException.Kind kind, String region) {
                    endRun(accessFault(address, kind, size, "past the end of " + region));
                }

                @Override
                public void hostError(String message, Throwable cause) {
                    UnicornCpu.this.hostError(message, cause);
                }
            };
            engine.hookIntr((uc, intno, userData) -> onInterrupt(intno));
            engine.hookMemory(UC_HOOK_MEM_UNMAPPED,
                    (uc, type, address, size, value, userData) -> onUnmapped(type, address, size), 1, 0);
            engine.hookMemory(UC_HOOK_MEM_WRITE_PROT,
                    (uc, type, address, size, value, userData) -> onWriteProtected(address, size, value), 1, 0);
            engine.hookMemory(UC_HOOK_MEM_FETCH_PROT,
                    (uc, type, address, size, value, userData) -> onFetchProtected(address, size), 1, 0);
            this.pageSize = engine.pageSize();
            engine.pc(RESET_PC);
            this.initialPstate = engine.pstate();
            this.powerOnState = engine.saveContext();
            LOG.debug("Unicorn {} Cortex-A57 (MIDR 0x{}) starts at pc 0x0, PSTATE 0x{} (EL{}), page size {}",
                    UnicornLibrary.version(), Long.toHexString(engine.midr()), Long.toHexString(initialPstate),
                    (initialPstate >>> 2) & 3, pageSize);
        } catch (RuntimeException | Error e) {
            engine.close();
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
        Objects.requireNonNull(space, "space");
        UnicornCpu cpu = new UnicornCpu(console);
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
        long at = base.value();
        if ((at & (pageSize - 1)) != 0) {
            throw new IllegalArgumentException(String.format("region '%s' at %s: the CPU maps whole pages, so a "
                    + "region must start on a %d-byte boundary", region.name(), base, pageSize));
        }
        if (region instanceof RamRegion) {
            RamRegion ram = (RamRegion) region;
            engine.mapPointer(at, ram.memory().mappedSize(), UC_PROT_ALL, ram.memory().address());
        } else if (region instanceof RomDeviceRegion) {
            roms.add(new RomDeviceMapping(engine, at, (RomDeviceRegion) region, roms.size(), faults));
        } else {
            mapMmio(at, (MmioRegion) region);
        }
        mapped.add(new AddressSpace.Mapping(base, region));
        LOG.debug("mapped {} at {}", region.name(), base);
    }

    private void mapMmio(long base, MmioRegion region) {
        long size = (region.size() + pageSize - 1) & -pageSize;
        long limit = region.size();
        UnicornLibrary.MmioRead read = (uc, offset, width, userData) -> {
            try {
                if (offset > limit - width) {
                    faults.accessPastEnd(base + offset, width, MemoryAccessException.Kind.READ, region.name());
                    return 0;
                }
                return region.handler().read(offset, width);
            } catch (Throwable t) {
                hostError(region.name() + " read at offset 0x" + Long.toHexString(offset) + " failed: " + t, t);
                return 0;
            }
        };
        UnicornLibrary.MmioWrite write = (uc, offset, width, value, userData) -> {
            try {
                if (offset > limit - width) {
                    faults.accessPastEnd(base + offset, width, MemoryAccessException.Kind.WRITE, region.name());
                    return;
                }
                region.handler().write(offset, width, width == 8 ? value : value & ((1L << (width * 8)) - 1));
            } catch (Throwable t) {
                hostError(region.name() + " write at offset 0x" + Long.toHexString(offset) + " failed: " + t, t);
            }
        };
        engine.mapMmio(base, size, read, write);
    }

    @Override
    public void romdChanged(GuestAddress base, RomDeviceRegion region, boolean romd) {
        boolean running = checkEventThread("romdChanged");
        RomDeviceMapping rom = rom(base.value());
        if (rom != null && rom.romdChanged(romd, running)) {
            stopper.request();
        }
    }

    @Override
    public void contentChanged(GuestAddress base, RomDeviceRegion region, long offset, long length) {
        checkEventThread("contentChanged");
        RomDeviceMapping rom = rom(base.value());
        if (rom != null) {
            rom.contentChanged(offset, length);
        }
    }

    /** Whether the CPU is running on this thread; throws if it runs on another one. */
    private boolean checkEventThread(String event) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(event + " on a closed CPU");
            }
            if (runner != null && runner != Thread.currentThread()) {
                throw new IllegalStateException(event + " from thread '" + Thread.currentThread().getName()
                        + "' while the CPU runs on '" + runner.getName() + "'");
            }
            return runner != null;
        }
    }

    /** The ROM device at guest address {@code address}, or null. */
    private RomDeviceMapping rom(long address) {
        for (RomDeviceMapping r : roms) {
            if (r.contains(address)) {
                return r;
            }
        }
        return null;
    }

    /** The ROM device one of whose views holds physical address {@code physical}, or null. */
    private RomDeviceMapping romView(long physical) {
        for (RomDeviceMapping r : roms) {
            if (r.viewOffset(physical) >= 0) {
                return r;
            }
        }
        return null;
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
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("run on a closed CPU");
            }
            if (runner != null) {
                throw new IllegalStateException("CPU already running on thread '" + runner.getName() + "'");
            }
            runner = Thread.currentThread();
            externalStop.set(null);
        }
        Thread watchdog = limit == null ? null : startWatchdog(limit);
        try {
            return loop(limit);
        } finally {
            if (watchdog != null) {
                watchdog.interrupt();
            }
            synchronized (lock) {
                runner = null;
                lock.notifyAll();
            }
        }
    }

    private Thread startWatchdog(Duration limit) {
        Thread cpuThread = Thread.currentThread();
        long deadline = System.nanoTime() + limit.toNanos();
        Thread t = new Thread(() -> {
            try {
                long left;
                while ((left = deadline - System.nanoTime()) > 0) {
                    Thread.sleep(Math.max(1, left / 1_000_000), 0);
                }
            } catch (InterruptedException e) {
                return;
            }
            synchronized (lock) {
                if (!closed && runner == cpuThread) {
                    externalStop.compareAndSet(null, ExternalStop.TIMEOUT);
                    stopper.request();
                }
            }
        }, "virtflash-cpu-time-limit");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private CpuExit loop(Duration limit) {
        pendingExit = null;
        stopper.clear();
        long pc = engine.pc();
        while (true) {
            for (RomDeviceMapping rom : roms) {
                rom.switchIfPending();
            }
            ExternalStop stop = externalStop.getAndSet(null);
            if (stop != null) {
                return stop == ExternalStop.TIMEOUT ? new CpuExit.Timeout(new GuestAddress(pc), limit)
                        : new CpuExit.Stopped(new GuestAddress(pc));
            }
            int err = engine.start(pc, NEVER_REACHED);
            stopper.clear();
            CpuExit exit = pendingExit;
            if (exit != null) {
                pendingExit = null;
                LOG.debug("run ended: {}", exit.describe());
                return exit;
            }
            pc = engine.pc();
            if (err != UC_ERR_OK) {
                return new CpuExit.HostError(String.format("Unicorn stopped at pc 0x%x: %s (uc_err %d)", pc,
                        uc_strerror(err), err), null);
            }
        }
    }

    /**
     * Asks a running CPU to stop at the next translation-block boundary; {@link #run} then returns
     * {@link CpuExit.Stopped}. Safe from any thread; does nothing if the CPU is not running.
     */
    public void requestStop() {
        synchronized (lock) {
            if (!closed && runner != null) {
                externalStop.compareAndSet(null, ExternalStop.REQUEST);
                stopper.request();
            }
        }
    }

    private void endRun(CpuExit exit) {
        if (pendingExit == null) {
            pendingExit = exit;
        }
        engine.stop();
    }

    private void hostError(String message, Throwable cause) {
        LOG.error("{}", message, cause);
        endRun(new CpuExit.HostError(message, cause));
    }

    // ---- hooks (CPU thread; never let anything escape into native code) ----

    private void onInterrupt(int intno) {
        try {
            long pc = engine.pc();
            CpuExit exit = trap(intno, pc);
            if (exit != null) {
                endRun(exit);
            }
        } catch (Throwable t) {
            hostError("handling guest exception " + intno + " failed: " + t, t);
        }
    }

    private CpuExit trap(int intno, long pc) {
        switch (intno) {
            case EXCP_UDEF: {
                long insn = instructionAt(pc);
                if (insn == (Semihosting.HLT_SEMIHOSTING & 0xFFFF_FFFFL)) {
                    return semihosting.call(engine, pc, this::readGuest);
                }
                if (insn >= 0 && (((int) insn & EXC_MASK) == HVC || ((int) insn & EXC_MASK) == SMC)) {
                    // An HVC/SMC that the CPU's configuration makes undefined: still a PSCI call, as in QEMU.
                    engine.pc(pc + 4);
                    return Psci.call(engine, pc);
                }
                return ExceptionEntry.enter(engine, pc, insn, ExceptionEntry.EC_UNKNOWN, pc, "undefined instruction");
            }
            case EXCP_HVC:
            case EXCP_SMC:
                // Unicorn leaves PC on the next instruction, as the exception's return address.
                return Psci.call(engine, pc - 4);
            case EXCP_SWI:
                return ExceptionEntry.enter(engine, pc - 4, instructionAt(pc - 4), ExceptionEntry.EC_SVC64, pc,
                        "SVC");
            case EXCP_BKPT:
                return ExceptionEntry.enter(engine, pc, instructionAt(pc), ExceptionEntry.EC_BRK64, pc, "BRK");
            case EXCP_PREFETCH_ABORT:
            case EXCP_DATA_ABORT:
                return new CpuExit.GuestException(new GuestAddress(pc), instructionAt(pc),
                        (intno == EXCP_DATA_ABORT ? "data" : "instruction") + " abort; Unicorn does not expose "
                                + "its syndrome, so it is not delivered to the guest");
            default:
                return new CpuExit.GuestException(new GuestAddress(pc), instructionAt(pc),
                        "exception index " + intno + ", which the binding does not deliver");
        }
    }

    private long instructionAt(long pc) {
        byte[] b = new byte[4];
        if (!readMemory(pc, b)) {
            return -1;
        }
        return (b[0] & 0xFFL) | (b[1] & 0xFFL) << 8 | (b[2] & 0xFFL) << 16 | (b[3] & 0xFFL) << 24;
    }

    /**
     * Reads guest memory as the guest sees it: ROM devices through their region (their guest addresses have no
     * physical mapping of their own), everything else through Unicorn.
     */
    private boolean readMemory(long address, byte[] dst) {
        RomDeviceMapping rom = rom(address);
        if (rom == null) {
            return engine.read(address, dst);
        }
        long offset = address - rom.base();
        if (offset > rom.region().size() - dst.length) {
            return false;
        }
        rom.read(offset, dst);
        return true;
    }

    private CpuExit readGuest(long address, byte[] dst, long pc) {
        if (readMemory(address, dst)) {
            return null;
        }
        return new CpuExit.AccessFault(new GuestAddress(address), new GuestAddress(pc),
                MemoryAccessException.Kind.READ, dst.length, "no memory there (semihosting parameter)");
    }

    private boolean onUnmapped(int type, long address, int size) {
        try {
            MemoryAccessException.Kind kind = type == UC_MEM_WRITE_UNMAPPED ? MemoryAccessException.Kind.WRITE
                    : type == UC_MEM_FETCH_UNMAPPED ? MemoryAccessException.Kind.FETCH
                    : MemoryAccessException.Kind.READ;
            if (pendingExit == null) {
                pendingExit = accessFault(address, kind, size, "no memory or device is mapped there");
            }
        } catch (Throwable t) {
            hostError("reporting an access to nothing at 0x" + Long.toHexString(address) + " failed: " + t, t);
        }
        return false;
    }

    /** An access fault report, with the faulting instruction located inside the current block. */
    private CpuExit.AccessFault accessFault(long address, MemoryAccessException.Kind kind, int size, String detail) {
        if (kind == MemoryAccessException.Kind.FETCH) {
            return new CpuExit.AccessFault(new GuestAddress(address), new GuestAddress(address), kind, size, detail);
        }
        long blockStart = engine.pc();
        long pc = FaultingInstruction.find(faultingCpu, blockStart, address, kind == MemoryAccessException.Kind.WRITE);
        if (pc < 0) {
            pc = blockStart;
            detail += " (pc is the start of the block: no instruction of it matches the access)";
        }
        return new CpuExit.AccessFault(new GuestAddress(address), new GuestAddress(pc), kind, size, detail);
    }

    private boolean onWriteProtected(long address, int size, long value) {
        try {
            RomDeviceMapping rom = romView(address);
            if (rom == null) {
                endRun(accessFault(address, MemoryAccessException.Kind.WRITE, size, "read-only memory"));
                return false;
            }
            rom.write(address, size, value);
        } catch (Throwable t) {
            hostError("write of " + size + " byte(s) at 0x" + Long.toHexString(address) + " failed: " + t, t);
        }
        return true;
    }

    private boolean onFetchProtected(long address, int size) {
        try {
            RomDeviceMapping rom = romView(address);
            if (rom != null && rom.inCommandView(address)) {
                return true; // a ROM device in command mode: the CPU fetches status words, as on real hardware
            }
            AddressSpace.Mapping m = mappingAt(address);
            if (pendingExit == null) {
                pendingExit = new CpuExit.AccessFault(new GuestAddress(address), new GuestAddress(address),
                        MemoryAccessException.Kind.FETCH, size, "device region '"
                        + (m == null ? "?" : m.region().name()) + "' cannot be executed");
            }
        } catch (Throwable t) {
            hostError("reporting a fetch from a device at 0x" + Long.toHexString(address) + " failed: " + t, t);
        }
        return false;
    }

    private AddressSpace.Mapping mappingAt(long address) {
        for (AddressSpace.Mapping m : mapped) {
            if (Long.compareUnsigned(address - m.base().value(), m.region().size()) < 0) {
                return m;
            }
        }
        return null;
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
        synchronized (lock) {
            if (closed || runner != null) {
                throw new IllegalStateException(closed ? "reset of a closed CPU" : "reset while running");
            }
        }
        engine.restoreContext(powerOnState);
    }

    /** How many times the ROM device at {@code base} was switched between array and command mapping. */
    public long romDeviceSwitches(GuestAddress base) {
        RomDeviceMapping rom = rom(base.value());
        if (rom == null) {
            throw new IllegalArgumentException("no ROM device at " + base);
        }
        return rom.switches();
    }

    /**
     * Releases the engine and stops listening to the address space. If the CPU is running on another thread, asks
     * it to stop and waits for the run to return first. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (runner == Thread.currentThread()) {
                throw new IllegalStateException("close() from inside a run");
            }
            while (runner != null) {
                externalStop.compareAndSet(null, ExternalStop.REQUEST);
                stopper.request();
                try {
                    lock.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the CPU to stop", e);
                }
            }
            closed = true;
        }
        if (space != null) {
            space.removeListener(this);
        }
        engine.close();
    }

    @Override
    public String toString() {
        return "UnicornCpu[Cortex-A57, " + mapped.size() + " regions]";
    }
}
