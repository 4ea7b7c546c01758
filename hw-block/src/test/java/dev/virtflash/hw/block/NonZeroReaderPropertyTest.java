package dev.virtflash.hw.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.virtflash.hw.block.image.Images;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.Residency;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property: for every generated image, {@link NonZeroReader} fills memory with exactly what
 * {@code qemu-img convert -O raw} reads from it, and the memory's resident bytes are exactly its non-zero 4 KiB pages.
 * Touched pages too, on every kernel: the pages present in {@code /proc/self/pagemap} (which a read fault maps, zero page
 * or not) are exactly the non-zero pages, after the load and after reading the whole memory back.
 * Images come from {@link ImageFixtures} (fixed seeds, the {@code qemu-img} command recorded in each kind).
 */
class NonZeroReaderPropertyTest {

    static final int SEEDS = 8;

    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        return ImageFixtures.cases(SEEDS);
    }

    @ParameterizedTest(name = "{0}, seed {1}")
    @MethodSource("cases")
    void loadEqualsQemuImgConvert(ImageFixtures.Kind kind, long seed) throws IOException {
        Path image = kind.build(dir, ImageFixtures.writeSource(dir.resolve("source.raw"), seed));
        byte[] expected = ImageFixtures.qemuContents(image);
        try (BlockBackend backend = Images.open(image, null, true);
                HostMemory memory = HostMemory.allocate("test.flash", expected.length)) {
            assertEquals(expected.length, backend.size(), "virtual size of " + image);
            NonZeroReader.Stats stats = NonZeroReader.load(backend, memory);

            byte[] loaded = new byte[expected.length];
            memory.read(0, loaded, 0, loaded.length);
            int mismatch = java.util.Arrays.mismatch(expected, loaded);
            if (mismatch >= 0) {
                fail(kind + " seed " + seed + ": byte " + mismatch + " is " + loaded[mismatch] + ", qemu-img reads "
                        + expected[mismatch]);
            }
            long nonZeroPages = ImageFixtures.nonZeroPages(expected);
            assertEquals(nonZeroPages, stats.pagesCopied(), "pages copied");
            assertEquals(nonZeroPages * NonZeroReader.PAGE, Residency.residentBytes(memory), "resident bytes");
            assertEquals(nonZeroPages * NonZeroReader.PAGE, Residency.presentBytes(memory), "pages touched");
            assertEquals(nonZeroPages * NonZeroReader.PAGE, memory.dataBytes(), "pages the memory knows hold data");
            assertEquals(expected.length, stats.bytesRead() + stats.bytesSkipped(), "bytes read + skipped");
        }
        Files.deleteIfExists(image);
    }
}
