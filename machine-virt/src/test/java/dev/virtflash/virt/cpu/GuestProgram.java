package dev.virtflash.virt.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A tiny AArch64 test program, assembled from {@code src/test/resources/guest/NAME.S} at test time with the cross
 * binutils ({@code aarch64-linux-gnu-as}, {@code -ld}, {@code -objcopy}, {@code -nm}) into a temporary folder. A
 * missing toolchain fails the test (scripts/setup.sh installs it); it never skips.
 */
public final class GuestProgram {

    private static final String[] INCLUDES = {"common.inc"};

    private final byte[] image;
    private final long linkAddress;
    private final Map<String, Long> symbols;

    private GuestProgram(byte[] image, long linkAddress, Map<String, Long> symbols) {
        this.image = image;
        this.linkAddress = linkAddress;
        this.symbols = symbols;
    }

    /** Assembles and links {@code name}.S for {@code linkAddress}, working in {@code dir}. */
    public static GuestProgram build(String name, long linkAddress, Path dir) throws IOException, InterruptedException {
        Path work = Files.createDirectories(dir.resolve(name + "-" + Long.toHexString(linkAddress)));
        for (String inc : INCLUDES) {
            copyResource(inc, work.resolve(inc));
        }
        Path source = work.resolve(name + ".S");
        copyResource(name + ".S", source);
        Path object = work.resolve(name + ".o");
        Path elf = work.resolve(name + ".elf");
        Path bin = work.resolve(name + ".bin");
        tool(work, "aarch64-linux-gnu-as", "-I", work.toString(), "-o", object.toString(), source.toString());
        tool(work, "aarch64-linux-gnu-ld", "-nostdlib", "-Ttext=0x" + Long.toHexString(linkAddress), "-e", "_start",
                "-o", elf.toString(), object.toString());
        tool(work, "aarch64-linux-gnu-objcopy", "-O", "binary", elf.toString(), bin.toString());
        String nm = tool(work, "aarch64-linux-gnu-nm", elf.toString());
        Map<String, Long> symbols = new HashMap<>();
        for (String line : nm.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3) {
                symbols.put(f[2], Long.parseUnsignedLong(f[0], 16));
            }
        }
        return new GuestProgram(Files.readAllBytes(bin), linkAddress, symbols);
    }

    public byte[] image() {
        return image.clone();
    }

    long linkAddress() {
        return linkAddress;
    }

    /** The address of a global label. */
    long symbol(String name) {
        Long v = symbols.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no symbol '" + name + "' in the program; have " + symbols.keySet());
        }
        return v;
    }

    private static void copyResource(String name, Path to) throws IOException {
        try (InputStream in = GuestProgram.class.getResourceAsStream("/guest/" + name)) {
            if (in == null) {
                throw new IOException("test resource guest/" + name + " is missing");
            }
            Files.copy(in, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String tool(Path dir, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(command));
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(command[0] + " not found (" + e.getMessage()
                    + "); the CPU tests need the AArch64 cross binutils: run scripts/setup.sh", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed:\n" + out);
        }
        return out;
    }
}
