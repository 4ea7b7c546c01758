package dev.virtflash.virt;

import dev.virtflash.memory.MmioHandler;
import dev.virtflash.virt.cpu.InterruptWiring;
import dev.virtflash.virt.cpu.UnicornCpu;
import dev.virtflash.virt.devices.Pl011;
import dev.virtflash.virt.devices.gic.GicV2;
import dev.virtflash.virt.devices.gic.TimerLines;
import dev.virtflash.virt.devices.rtc.Pl031;

/**
 * The interrupt wiring of the {@code virt} board: the generic timer's PPIs 30 and 27, the PL011 (SPI 1) and the
 * PL031 (SPI 2) into the GICv2, and the GIC's CPU-interface outputs into the core. It tells the CPU when the GIC's
 * outputs change, and lets the CPU poll the devices whose events come with time (the RTC alarm) or from another
 * thread (console input). Everything here runs on the CPU thread, except {@link #consoleInput()}.
 */
final class BoardInterrupts implements InterruptWiring, GicV2.OutputListener {

    /** GIC interrupt ID of the first SPI. */
    static final int FIRST_SPI_ID = GicV2.NUM_PRIVATE;

    private final GicV2 gic;
    private final TimerLines timers;
    private Pl011 uart;
    private Pl031 rtc;
    private volatile UnicornCpu cpu;

    BoardInterrupts() {
        this.gic = new GicV2(this);
        this.timers = TimerLines.forGic(gic);
    }

    /** The GIC ID of a memory-map entry's first SPI. */
    static int irqOf(VirtMemoryMap entry) {
        return FIRST_SPI_ID + entry.spi();
    }

    GicV2 gic() {
        return gic;
    }

    /** Connects the devices polled at stops; once, before the CPU runs. */
    void devices(Pl011 uart, Pl031 rtc) {
        this.uart = uart;
        this.rtc = rtc;
    }

    /** The CPU told of output changes; once, after it is created. */
    void cpu(UnicornCpu cpu) {
        this.cpu = cpu;
    }

    /**
     * The registers of {@code r}, telling the CPU after every write: a write may arm or move the alarm, whose deadline
     * the CPU only looks at when it stops.
     */
    MmioHandler rtcRegisters(Pl031 r) {
        return new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return r.read(offset, size);
            }

            @Override
            public void write(long offset, int size, long value) {
                r.write(offset, size, value);
                UnicornCpu c = cpu;
                if (c != null) {
                    c.interruptInputsChanged();
                }
            }
        };
    }

    /** Console input arrived (any thread): a CPU waiting in WFI takes it in (and maybe an RX interrupt). */
    void consoleInput() {
        UnicornCpu c = cpu;
        if (c != null) {
            c.wake();
        }
    }

    /** Machine reset: the GIC and the timers to their reset state (the RTC keeps running, as on QEMU). */
    void reset() {
        timers.reset();
        gic.reset();
    }

    @Override
    public void outputsChanged(boolean irq, boolean fiq) {
        if (cpu != null && (irq || fiq)) {
            cpu.interruptInputsChanged();
        }
    }

    @Override
    public TimerLines timers() {
        return timers;
    }

    @Override
    public boolean irq() {
        return gic.irqPending();
    }

    @Override
    public boolean fiq() {
        return gic.fiqPending();
    }

    @Override
    public void poll(long nowNanos) {
        if (rtc != null) {
            rtc.checkAlarm();
        }
        if (uart != null) {
            uart.pollInput();
        }
    }

    @Override
    public long nextEventNanos() {
        return rtc == null ? Long.MAX_VALUE : rtc.alarmDeadlineNanos();
    }
}
