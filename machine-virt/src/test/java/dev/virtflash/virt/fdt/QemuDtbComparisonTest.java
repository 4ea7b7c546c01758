package dev.virtflash.virt.fdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.SparseImage;
import dev.virtflash.hw.pflash.PflashCfi01;
import dev.virtflash.memory.AddressRange;
import dev.virtflash.memory.AddressSpace;
import dev.virtflash.virt.VirtDeviceTree;
import dev.virtflash.virt.VirtMachine;
import dev.virtflash.virt.VirtMemoryMap;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, acceptance 4: every node of our tree has the same properties and values as in the tree Debian's
 * {@code qemu-system-aarch64} dumps for the same configuration (1 Cortex-A57, two pflash drives, no NIC). Phandle
 * numbers are compared through what they point at; the seeds in {@code /chosen} are compared by length, their values
 * being random by nature. No property may be missing or extra in a node we emit (the interrupt wiring included:
 * {@code interrupt-parent}, {@code /intc}, {@code /timer}, the UART's and RTC's {@code interrupts}).
 */
class QemuDtbComparisonTest {

    /** Properties whose values hold phandles (in our tree: only references with zero-cell specifiers). */
    private static final Set<String> PHANDLE_PROPERTIES = Set.of("clocks", "cpu", "interrupt-parent");
    private static final Set<String> RANDOM_PROPERTIES = Set.of("rng-seed", "kaslr-seed");
    private static final Pattern CELL = Pattern.compile("0x[0-9a-f]+");

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"128M, 134217728", "1G, 1073741824"})
    void everyNodeWeEmitMatchesQemus(String qemuMemory, long ramBytes) throws Exception {
        Map<String, Map<String, String>> qemu = resolve(Dtc.nodes(Dtc.decompile(qemuDump(qemuMemory)).dts()));
        Path ours = dir.resolve("ours.dtb");
        Files.write(ours, VirtDeviceTree.builder().ramSize(ramBytes).build().blob());
        Map<String, Map<String, String>> mine = resolve(Dtc.nodes(Dtc.decompile(ours).dts()));

        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> node : mine.entrySet()) {
            Map<String, String> theirs = qemu.get(node.getKey());
            if (theirs == null) {
                differences.add(node.getKey() + ": node absent from QEMU's tree");
                continue;
            }
            Set<String> names = new TreeSet<>(theirs.keySet());
            names.addAll(node.getValue().keySet());
            for (String prop : names) {
                String a = node.getValue().get(prop);
                String b = theirs.get(prop);
                if (a == null || b == null) {
                    differences.add(node.getKey() + " " + prop + ": ours " + a + ", QEMU " + b);
                } else if (RANDOM_PROPERTIES.contains(prop)) {
                    if (cellCount(a) != cellCount(b)) {
                        differences.add(node.getKey() + " " + prop + ": " + cellCount(a) + " cells, QEMU "
                                + cellCount(b));
                    }
                } else if (!a.equals(b)) {
                    differences.add(node.getKey() + " " + prop + ": ours " + a + ", QEMU " + b);
                }
            }
        }
        assertEquals(List.of(), differences);
        // The comparison has teeth: QEMU's tree really has the nodes we claim to share.
        assertTrue(qemu.keySet().containsAll(mine.keySet()));
        assertEquals("<0x00 0x40000000 " + cells64(ramBytes) + ">", qemu.get("/memory@40000000").get("reg"));
        assertTrue(mine.keySet().containsAll(Set.of("/intc@8000000", "/timer", "/pl031@9010000")), mine::toString);
        assertEquals("<&/intc@8000000>", mine.get("/").get("interrupt-parent"));
    }

    /**
     * Issue 14, acceptance 3: the board's real address space (built from {@link VirtMemoryMap}) has exactly the
     * regions QEMU 7.2's device tree gives for the devices we have: the {@code reg} ranges of {@code /flash@0},
     * {@code /intc@8000000}, {@code /pl011@9000000}, {@code /pl031@9010000} and {@code /memory@40000000}. So the
     * table's {@code placed} flags, the loop that places the devices, and QEMU agree.
     */
    @Test
    void theBoardMapsWhatQemusTreeDescribes() throws Exception {
        Map<String, Map<String, String>> qemu = Dtc.nodes(Dtc.decompile(qemuDump("128M")).dts());
        Set<AddressRange> qemuRanges = new TreeSet<>(BY_BASE);
        for (String node : List.of("/flash@0", "/intc@8000000", "/pl011@9000000", "/pl031@9010000",
                "/memory@40000000")) {
            qemuRanges.addAll(regRanges(qemu.get(node).get("reg")));
        }
        Set<AddressRange> ours = new TreeSet<>(BY_BASE);
        try (VirtMachine m = VirtMachine.builder().ramSize(128L << 20).build()) {
            for (AddressSpace.Mapping mapping : m.addressSpace().mappings()) {
                ours.add(mapping.range());
            }
        }
        assertEquals(List.copyOf(qemuRanges), List.copyOf(ours));
        Set<AddressRange> table = new TreeSet<>(BY_BASE);
        for (VirtMemoryMap row : VirtMemoryMap.placedEntries()) {
            table.add(row == VirtMemoryMap.RAM ? AddressRange.of(row.base(), 128L << 20) : row.range());
        }
        assertEquals(List.copyOf(table), List.copyOf(ours));
    }

    private static final java.util.Comparator<AddressRange> BY_BASE = (a, b) -> Long.compareUnsigned(
            a.base().value(), b.base().value());

    /** A {@code reg} property with 2 address cells and 2 size cells, as ranges. */
    private static List<AddressRange> regRanges(String reg) {
        List<Long> cells = new ArrayList<>();
        Matcher m = CELL.matcher(reg);
        while (m.find()) {
            cells.add(Long.parseLong(m.group().substring(2), 16));
        }
        List<AddressRange> out = new ArrayList<>();
        for (int i = 0; i + 3 < cells.size(); i += 4) {
            out.add(AddressRange.of(cells.get(i) << 32 | cells.get(i + 1), cells.get(i + 2) << 32 | cells.get(i + 3)));
        }
        assertEquals(0, cells.size() % 4, reg);
        return out;
    }

    private static String cells64(long v) {
        return String.format("0x%02x 0x%02x", v >>> 32, v & 0xFFFF_FFFFL);
    }

    private static int cellCount(String value) {
        Matcher m = CELL.matcher(value);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Replaces phandle numbers by the path of the node they name, and each node's own phandle by "present". */
    private static Map<String, Map<String, String>> resolve(Map<String, Map<String, String>> nodes) {
        Map<String, String> byPhandle = new HashMap<>();
        nodes.forEach((path, props) -> {
            String ph = props.get("phandle");
            if (ph != null) {
                byPhandle.put(ph.substring(1, ph.length() - 1), path);
            }
        });
        Map<String, Map<String, String>> out = new TreeMap<>();
        nodes.forEach((path, props) -> {
            Map<String, String> p = new TreeMap<>();
            props.forEach((name, value) -> {
                if (name.equals("phandle")) {
                    p.put(name, "present");
                } else if (PHANDLE_PROPERTIES.contains(name)) {
                    Matcher m = CELL.matcher(value);
                    StringBuilder sb = new StringBuilder();
                    while (m.find()) {
                        String target = byPhandle.get(m.group());
                        m.appendReplacement(sb, Matcher.quoteReplacement(target == null ? "&?" + m.group()
                                : "&" + target));
                    }
                    m.appendTail(sb);
                    p.put(name, sb.toString());
                } else {
                    p.put(name, value);
                }
            });
            out.put(path, p);
        });
        return out;
    }

    private Path qemuDump(String memory) throws Exception {
        Path flash0 = dir.resolve("flash0.img");
        Path flash1 = dir.resolve("flash1.img");
        for (Path f : List.of(flash0, flash1)) {
            SparseImage.raw(f, PflashCfi01.VIRT_BANK_SIZE);
        }
        Path dtb = dir.resolve("qemu-" + memory + ".dtb");
        Path log = dir.resolve("qemu.log");
        // -nic none: Debian's QEMU would otherwise add a virtio-net-pci NIC and look for its option ROM.
        Process p = new ProcessBuilder("qemu-system-aarch64", "-M", "virt,dumpdtb=" + dtb, "-cpu", "cortex-a57",
                "-m", memory, "-nographic", "-nic", "none",
                "-drive", "if=pflash,unit=0,format=raw,file=" + flash0,
                "-drive", "if=pflash,unit=1,format=raw,file=" + flash1)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "qemu-system-aarch64 did not finish");
        assertEquals(0, p.exitValue(), () -> "qemu-system-aarch64 failed: " + read(log));
        return dtb;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
