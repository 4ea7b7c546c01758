package dev.virtflash.virt.cpu;

import dev.virtflash.memory.AddressSpace;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.RamRegion;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A minimal board for the CPU tests: a {@link QueryFlash} at 0x0 and RAM at 0x4000_0000, and a CPU on them. */
final class TestMachine implements AutoCloseable {

    static final long FLASH_BASE = 0x0;
    static final long FLASH_SIZE = 256 * 1024;
    static final long RAM_BASE = 0x4000_0000L;
    static final long RAM_SIZE = 2 * 1024 * 1024;

    final QueryFlash flash = new QueryFlash("test.flash", FLASH_SIZE);
    final HostMemory ram = HostMemory.allocateCpuWritable("test.ram", RAM_SIZE);
    final AddressSpace space = AddressSpace.builder("test")
            .map(FLASH_BASE, flash.region())
            .map(RAM_BASE, new RamRegion("test.ram", ram))
            .build();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    final UnicornCpu cpu;

    TestMachine() {
        cpu = UnicornCpu.create(space, console::write);
        cpu.sp(RAM_BASE + RAM_SIZE - 16);
    }

    /** Loads {@code program} into RAM (at its link address) and points PC and SP at RAM. */
    TestMachine loadRam(GuestProgram program) {
        byte[] image = program.image();
        ram.write(program.linkAddress() - RAM_BASE, image, 0, image.length);
        cpu.pc(program.linkAddress());
        return this;
    }

    /** Loads {@code program} into the flash memory (at its link address). */
    TestMachine loadFlash(GuestProgram program) {
        byte[] image = program.image();
        flash.memory().write(program.linkAddress() - FLASH_BASE, image, 0, image.length);
        return this;
    }

    String console() {
        return console.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        cpu.close();
        ram.close();
        flash.memory().close();
    }
}
