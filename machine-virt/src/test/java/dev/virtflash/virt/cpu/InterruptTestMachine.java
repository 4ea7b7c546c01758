package dev.virtflash.virt.cpu;

import dev.virtflash.memory.AddressSpace;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.MmioRegion;
import dev.virtflash.memory.RamRegion;
import dev.virtflash.virt.devices.gic.GicV2;
import dev.virtflash.virt.devices.gic.TimerLines;

/**
 * A minimal board with interrupts for the CPU tests: RAM at 0x4000_0000, a {@link GicV2} at QEMU's virt addresses,
 * the core's timers wired to PPIs 30/27, and an optional extra "device event" deadline that raises SPI 0 (ID 32)
 * when it passes (standing in for an RTC alarm).
 */
final class InterruptTestMachine implements AutoCloseable, InterruptWiring {

    static final long GICD = 0x0800_0000L;
    static final long GICC = 0x0801_0000L;
    static final long RAM_BASE = 0x4000_0000L;
    static final long RAM_SIZE = 2 * 1024 * 1024;
    static final int DEVICE_IRQ = 32;

    final HostMemory ram = HostMemory.allocateCpuWritable("irq-test.ram", RAM_SIZE);
    final GicV2 gic = new GicV2((irq, fiq) -> changed());
    final TimerLines timers = TimerLines.forGic(gic);
    final UnicornCpu cpu;
    /** A device event due at this host time raises {@link #DEVICE_IRQ}; Long.MAX_VALUE for none. */
    volatile long deviceEventAt = Long.MAX_VALUE;
    int polls;

    InterruptTestMachine() {
        AddressSpace space = AddressSpace.builder("irq-test")
                .map(GICD, new MmioRegion("gicd", GicV2.DISTRIBUTOR_WINDOW, gic.distributor()))
                .map(GICC, new MmioRegion("gicc", GicV2.CPU_INTERFACE_WINDOW, gic.cpuInterface()))
                .map(RAM_BASE, new RamRegion("irq-test.ram", ram))
                .build();
        cpu = UnicornCpu.create(space, bytes -> { }, this);
        cpu.sp(RAM_BASE + RAM_SIZE - 16);
    }

    private void changed() {
        if (cpu != null) {
            cpu.interruptInputsChanged();
        }
    }

    InterruptTestMachine load(GuestProgram program) {
        byte[] image = program.image();
        ram.write(program.linkAddress() - RAM_BASE, image, 0, image.length);
        cpu.pc(program.linkAddress());
        cpu.x(0, GICD);
        cpu.x(1, GICC);
        return this;
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
        polls++;
        if (nowNanos - deviceEventAt >= 0) {
            deviceEventAt = Long.MAX_VALUE;
            gic.setLevel(DEVICE_IRQ, true);
        }
    }

    @Override
    public long nextEventNanos() {
        return deviceEventAt;
    }

    @Override
    public void close() {
        cpu.close();
        ram.close();
    }
}
