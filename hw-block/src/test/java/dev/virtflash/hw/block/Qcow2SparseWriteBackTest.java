package dev.virtflash.hw.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.hw.block.image.Images;
import dev.virtflash.memory.HostMemory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 4, acceptance 5 for qcow2: write 1 MiB of data through the write-back, then zeros over it; the clusters stop
 * holding data ({@code qemu-img map --output=json} reports the range {@code zero: true, data: false}), the host file's
 * allocated bytes return to where they started, and {@code qemu-img check} finds nothing. Version 3 turns the clusters
 * into zero clusters (also over a backing file, whose data they then hide); version 2 without a backing file
 * deallocates them.
 */
class Qcow2SparseWriteBackTest {

    private static final int MIB = 1 << 20;
    private static final long SIZE = 64L * MIB;

    @TempDir
    Path dir;

    /** One run of {@code qemu-img map --output=json}. */
    record Run(long start, long length, boolean present, boolean zero, boolean data) {
    }

    private static final Pattern RUN = Pattern.compile("\"start\": (\\d+), \"length\": (\\d+), \"depth\": \\d+,"
            + " \"present\": (true|false), \"zero\": (true|false), \"data\": (true|false)");

    private List<Run> qemuMap(Path image) {
        List<Run> runs = new ArrayList<>();
        Matcher m = RUN.matcher(ExternalTool.qemuImg(dir, "map", "--output=json", image.toString()));
        while (m.find()) {
            runs.add(new Run(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Boolean.parseBoolean(m.group(3)),
                    Boolean.parseBoolean(m.group(4)), Boolean.parseBoolean(m.group(5))));
        }
        return runs;
    }

    /** The runs of {@code map} that overlap {@code [from, to)}. */
    private static List<Run> overlapping(List<Run> map, long from, long to) {
        return map.stream().filter(r -> r.start() < to && r.start() + r.length() > from).toList();
    }

    private static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        for (int i = 0; i < length; i += 512) {
            bytes[i] |= 1;
        }
        return bytes;
    }

    /**
     * @param layout {@code v3}, {@code v2} or {@code v3 over raw} (a raw backing file holding data under the range)
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v3", "v2", "v3 over raw"})
    void zeroedWriteBackLeavesNoDataClusters(String layout) throws IOException {
        Path image = dir.resolve("vars.qcow2");
        String compat = layout.startsWith("v2") ? "compat=0.10" : "compat=1.1";
        if (layout.endsWith("over raw")) {
            ExternalTool.qemuImg(dir, "create", "-q", "-f", "raw", "base.raw", "64M");
            ExternalTool.run(dir, "qemu-io", "-f", "raw", "-c", "write -P 0x33 0 4M", "base.raw");
            ExternalTool.qemuImg(dir, "create", "-q", "-f", "qcow2", "-o", compat, "-b", "base.raw", "-F", "raw",
                    image.toString());
        } else {
            ExternalTool.qemuImg(dir, "create", "-q", "-f", "qcow2", "-o", compat, image.toString(), "64M");
        }
        long start;
        try (BlockBackend backend = Images.open(image, "qcow2", false);
                HostMemory memory = HostMemory.allocate("test.vars", SIZE)) {
            NonZeroReader.load(backend, memory);
            WriteBack writeBack = WriteBack.to(backend);
            // a variable store in the first cluster: the L2 table exists from here on
            memory.write(0, random(4096, 1), 0, 4096);
            writeBack.write(memory, 0, 4096);
            writeBack.flush();
            start = backend.allocatedBytes();

            memory.write(MIB, random(MIB, 2), 0, MIB);
            writeBack.write(memory, MIB, MIB);
            writeBack.flush();
            assertTrue(backend.allocatedBytes() >= start + MIB, "1 MiB of data allocated: "
                    + backend.allocatedBytes() + " bytes, started at " + start);

            memory.fill(MIB, MIB, (byte) 0);
            writeBack.write(memory, MIB, MIB);
            writeBack.flush();
            assertEquals(start, backend.allocatedBytes(), "allocated bytes return to where they started");
            assertEquals(BlockStatus.Kind.ZERO, backend.status(MIB, MIB).kind());
            assertEquals(MIB, backend.status(MIB, MIB).length());
        }

        List<Run> map = qemuMap(image);
        List<Run> range = overlapping(map, MIB, 2 * MIB);
        assertFalse(range.isEmpty());
        for (Run run : range) {
            assertTrue(run.zero() && !run.data(), "qemu-img map over the zeroed range: " + run + " in " + map);
            if (layout.startsWith("v3")) {
                assertTrue(run.present(), "zero clusters (present in this image): " + run);
            }
        }
        ExternalTool.qemuImg(dir, "check", image.toString());
        byte[] contents = ImageFixtures.qemuContents(image);
        for (int i = MIB; i < 2 * MIB; i++) {
            if (contents[i] != 0) {
                throw new AssertionError("byte " + i + " reads " + contents[i] + " after zeroing");
            }
        }
        if (layout.endsWith("over raw")) {
            assertEquals(0x33, contents[2 * MIB], "the backing file's data outside the range shows through");
        }
    }
}
