package dev.virtflash.virt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.memory.HostMemory;
import dev.virtflash.virt.cpu.CpuExit;
import dev.virtflash.virt.cpu.GuestProgram;
import dev.virtflash.virt.devices.ConsoleSource;
import dev.virtflash.virt.fdt.Dtc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * QEMU's {@code -kernel} boot: where the kernel, initrd and device tree go, and what the kernel is started with, on
 * our board and on Debian's QEMU 7.2 with the same test image ({@code guest/kernel_image.S}, which prints what it
 * was given).
 */
class KernelBootTest {

    static final long RAM = 0x4000_0000L;
    static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    static byte[] image(long textOffset, long imageSize, int length) {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(8, textOffset).putLong(16, imageSize);
        b.put(0x38, (byte) 'A').put(0x39, (byte) 'R').put(0x3A, (byte) 'M').put(0x3B, (byte) 0x64);
        return b.array();
    }

    @Test
    void layoutFollowsQemu() {
        KernelBoot.Layout l = new KernelBoot(image(0, 4096, 4096), null, null).layout(RAM, 128 * MIB);
        assertEquals(new KernelBoot.Layout(RAM + 2 * MIB, RAM + 2 * MIB + 4096, RAM + 64 * MIB, RAM + 64 * MIB,
                RAM + 64 * MIB), l, "text_offset 0 moves up by 2 MiB; no initrd: the tree at the initrd's place");
        l = new KernelBoot(image(0x80000, 4096, 4096), new byte[100_000], "x").layout(RAM, 128 * MIB);
        assertEquals(RAM + 0x80000, l.kernel());
        assertEquals(RAM + 64 * MIB + 100_000, l.initrdEnd());
        assertEquals(RAM + 66 * MIB, l.deviceTree(), "2 MiB after the initrd");
        assertEquals(RAM + 0x80000, new KernelBoot(new byte[256], null, null).layout(RAM, 128 * MIB).kernel(),
                "no header: QEMU's 0x80000");
        assertEquals(RAM + 128 * MIB, new KernelBoot(image(0, 4096, 4096), null, null).layout(RAM, 1024 * MIB)
                .initrdStart(), "at most 128 MiB up");
        KernelBoot big = new KernelBoot(image(0, 70 * MIB, (int) (70 * MIB)), new byte[10], null);
        assertEquals(RAM + 72 * MIB, big.layout(RAM, 128 * MIB).initrdStart(), "after a kernel reaching past it");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> big.layout(RAM, 64 * MIB));
        assertTrue(e.getMessage().startsWith("-kernel: the kernel (73400320 bytes at 0x40200000), the initrd"),
                e.getMessage());
    }

    @Test
    void aGzipCompressedImageIsInflated() throws Exception {
        byte[] raw = image(0, 8192, 8192);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(raw);
        }
        KernelBoot boot = new KernelBoot(gz.toByteArray(), null, null);
        assertEquals(8192, boot.imageLength());
        assertEquals(RAM + 2 * MIB, boot.layout(RAM, 128 * MIB).kernel());
    }

    /** From files: nothing kept but their size and header; every load reads them again, inflating on the way. */
    @Test
    void filesAreReadAtEveryLoadAndAChangedOneIsAnErrorNamingIt() throws Exception {
        byte[] raw = image(0, 3 * MIB + 100, (int) (3 * MIB + 100));
        new Random(3).nextBytes(raw);
        System.arraycopy(image(0, 3 * MIB + 100, (int) (3 * MIB + 100)), 0, raw, 0, 64); // the header again
        Path gz = dir.resolve("Image.gz");
        try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(raw);
        }
        Path initrd = dir.resolve("initrd");
        Files.write(initrd, new byte[] {1, 2, 3, 4, 5});
        KernelBoot boot = KernelBoot.of(gz, initrd, null);
        assertEquals(raw.length, boot.imageLength());
        KernelBoot.Layout l = boot.layout(RAM, 128 * MIB);
        assertEquals(RAM + 2 * MIB, l.kernel());
        assertEquals(l.initrdStart() + 5, l.initrdEnd());
        try (HostMemory ram = HostMemory.allocate("ram", 128 * MIB)) {
            boot.load(ram, RAM, l);
            byte[] back = new byte[raw.length];
            ram.read(l.kernel() - RAM, back, 0, back.length);
            assertArrayEquals(raw, back);
            byte[] rd = new byte[5];
            ram.read(l.initrdStart() - RAM, rd, 0, 5);
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, rd);

            Files.write(initrd, new byte[] {1, 2, 3});
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> boot.load(ram, RAM, l));
            assertEquals("-initrd " + initrd + ": cannot load it (it changed since the machine was built: 5 bytes "
                    + "expected)", e.getMessage());
        }
        IOException missing = assertThrows(IOException.class,
                () -> KernelBoot.of(dir.resolve("nothing"), null, null));
        assertTrue(missing.getMessage().startsWith("-kernel " + dir.resolve("nothing") + ": cannot read it ("),
                missing.getMessage());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theKernelStartsAsOnQemu(boolean withInitrd) throws Exception {
        Path image = dir.resolve("Image");
        Files.write(image, GuestProgram.build("kernel_image", 0, dir).image());
        Path initrd = dir.resolve("initrd");
        byte[] rd = new byte[100_000];
        new Random(15).nextBytes(rd);
        Files.write(initrd, rd);
        String append = "console=ttyAMA0 root=/dev/ram0";

        List<String> qemu = new ArrayList<>(List.of("qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57", "-m",
                "128M", "-nographic", "-monitor", "none", "-nic", "none", "-kernel", image.toString(), "-append",
                append));
        if (withInitrd) {
            qemu.addAll(List.of("-initrd", initrd.toString()));
        }
        String theirs = runQemu(qemu);

        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (VirtMachine m = VirtMachine.builder()
                .kernel(KernelBoot.of(image, withInitrd ? initrd : null, append))
                .console(console::write, ConsoleSource.none()).build()) {
            CpuExit exit = m.run(Duration.ofSeconds(30));
            assertInstanceOf(CpuExit.PowerOff.class, exit, exit::describe);
            String ours = console.toString(StandardCharsets.ISO_8859_1);
            assertEquals(theirs, ours);
            assertTrue(ours.startsWith(withInitrd ? "0000000044200000\n" : "0000000044000000\n"), ours);
            // the tree it was given has QEMU's /chosen
            Path dtb = dir.resolve("ours.dtb");
            Files.write(dtb, m.deviceTree());
            String chosen = Dtc.decompile(dtb).dts();
            assertTrue(chosen.contains("bootargs = \"" + append + "\";"), chosen);
            assertEquals(withInitrd, chosen.contains("linux,initrd-start = <0x44000000>;"), chosen);
            assertEquals(withInitrd, chosen.contains("linux,initrd-end = <0x440186a0>;"), chosen);
        }
    }

    private String runQemu(List<String> command) throws Exception {
        Path log = dir.resolve("qemu.out");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("QEMU did not power off: " + Files.readString(log));
        }
        assertEquals(0, p.exitValue(), () -> "QEMU: " + log);
        return Files.readString(log, StandardCharsets.ISO_8859_1);
    }
}
