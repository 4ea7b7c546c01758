package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.AddressSpace;
import dev.virtflash.memory.GuestAddress;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.MemoryAccessException;
import dev.virtflash.memory.MmioHandler;
import dev.virtflash.memory.MmioRegion;
import dev.virtflash.memory.RamRegion;
import dev.virtflash.virt.devices.ConsoleSink;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MMIO regions through callbacks, a device that fails, an attempt to execute a device, and CPU reset. */
class DeviceRegionTest {

    private static final long RAM = 0x4000_0000L;
    private static final long DEVICE = 0x0900_0000L;
    private static final long FAULTY = 0x10;

    @TempDir
    Path tmp;

    /** Registers at 0x4 and 0x8/0xC; offset 0x10 (read) throws, as a buggy device would. */
    private static final class Device implements MmioHandler {
        final List<String> log = new ArrayList<>();

        @Override
        public long read(long offset, int size) {
            log.add("r" + offset + "/" + size);
            if (offset == FAULTY) {
                throw new IllegalStateException("device bug");
            }
            return 0x1000 + offset;
        }

        @Override
        public void write(long offset, int size, long value) {
            log.add(String.format("w%d/%d=%x", offset, size, value));
        }
    }

    private static final class Board implements AutoCloseable {
        final Device device = new Device();
        final HostMemory ram = HostMemory.allocateCpuWritable("ram", 1 << 20);
        final AddressSpace space = AddressSpace.builder("dev")
                .map(DEVICE, new MmioRegion("dev", 0x100, device))
                .map(RAM, new RamRegion("ram", ram))
                .build();
        final UnicornCpu cpu = UnicornCpu.create(space, ConsoleSink.DISCARD);

        Board(GuestProgram program) {
            byte[] image = program.image();
            ram.write(0, image, 0, image.length);
            cpu.pc(RAM);
            cpu.sp(RAM + (1 << 20) - 16);
            cpu.x(0, DEVICE);
        }

        @Override
        public void close() {
            cpu.close();
            ram.close();
        }
    }

    @Test
    void mmioAccessesReachTheHandlerInBusSizedPieces() throws Exception {
        try (Board b = new Board(GuestProgram.build("mmio", RAM, tmp))) {
            CpuExit exit = b.cpu.run();
            assertEquals(0, assertInstanceOf(CpuExit.SemihostingExit.class, exit, exit::describe).code());
            assertEquals(0x1004, b.cpu.x(2));
            assertEquals(0x100cL << 32 | 0x1008, b.cpu.x(3), "an 8-byte load is two 4-byte reads, low first");
            assertEquals(List.of("w0/4=cafe", "r4/4", "r8/4", "r12/4",
                    "w16/4=55667788", "w20/4=11223344"), b.device.log);
        }
    }

    @Test
    void aDeviceThatThrowsEndsTheRunWithAHostError() throws Exception {
        try (Board b = new Board(GuestProgram.build("mmio", RAM, tmp))) {
            b.cpu.x(5, FAULTY);
            CpuExit exit = b.cpu.run();
            CpuExit.HostError he = assertInstanceOf(CpuExit.HostError.class, exit, exit::describe);
            assertTrue(he.message().contains("device bug"), he.message());
            assertInstanceOf(IllegalStateException.class, he.cause());
        }
    }

    @Test
    void executingADeviceEndsTheRunWithAFetchFault() throws Exception {
        try (Board b = new Board(GuestProgram.build("mmio", RAM, tmp))) {
            b.cpu.x(6, 1);
            CpuExit exit = b.cpu.run();
            CpuExit.AccessFault f = assertInstanceOf(CpuExit.AccessFault.class, exit, exit::describe);
            assertEquals(MemoryAccessException.Kind.FETCH, f.kind());
            assertEquals(new GuestAddress(DEVICE), f.address());
            assertTrue(f.detail().contains("'dev' cannot be executed"), f.describe());
        }
    }

    @Test
    void resetRestoresThePowerOnState() throws Exception {
        try (Board b = new Board(GuestProgram.build("mmio", RAM, tmp))) {
            b.cpu.run();
            assertTrue(b.cpu.x(3) != 0);
            b.cpu.reset();
            assertEquals(new GuestAddress(UnicornCpu.RESET_PC), b.cpu.pc());
            assertEquals(0, b.cpu.x(3));
            assertEquals(0, b.cpu.x(0));
            assertEquals(b.cpu.initialPstate(), b.cpu.pstate());
        }
    }
}
