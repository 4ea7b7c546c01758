package dev.virtflash.hw.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.virtflash.hw.block.image.Images;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image locking: two writers never share an image, within one JVM and with QEMU (which uses the same byte locks);
 * readers share it; closing releases it.
 */
class ImageLockTest {

    @TempDir
    Path dir;
    Path image;

    @BeforeEach
    void createImage() throws IOException {
        image = dir.resolve("flash1.img");
        Files.write(image, new byte[64 * 1024]);
    }

    private static void assertOneLine(ImageFormatException e, Path file, String text) {
        String message = e.getMessage();
        assertFalse(message.contains("\n"), message);
        assertTrue(message.startsWith(file + ": "), message);
        assertTrue(message.contains(text), message);
    }

    @Test
    void secondWriterInTheSameJvmFails() throws IOException {
        try (BlockBackend first = Images.open(image, "raw", false)) {
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.open(image, "raw", false));
            assertOneLine(e, image, "Failed to get \"write\" lock");
            assertTrue(first.status(0, 1).length() > 0, "the first image still works");
        }
    }

    @Test
    void readerFailsWhileSomeoneWrites() throws IOException {
        try (ImageFile writer = ImageFile.open(image, false)) {
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageFile.open(image, true));
            assertOneLine(e, image, "Failed to get shared \"write\" lock");
        }
    }

    @Test
    void writerFailsWhileSomeoneReads() throws IOException {
        try (ImageFile reader = ImageFile.open(image, true)) {
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageFile.open(image, false));
            assertOneLine(e, image, "Failed to get \"write\" lock");
        }
    }

    @Test
    void readersShare() throws IOException {
        try (BlockBackend a = Images.open(image, "raw", true); BlockBackend b = Images.open(image, null, true)) {
            assertEquals(a.size(), b.size());
        }
    }

    @Test
    void closeReleasesTheLockAndAFailedOpenLeavesNoneBehind() throws IOException {
        BlockBackend first = Images.open(image, "raw", false);
        assertThrows(ImageFormatException.class, () -> Images.open(image, "raw", false));
        assertThrows(ImageFormatException.class, () -> Images.open(image, "raw", true));
        first.close();
        first.close(); // idempotent
        try (BlockBackend again = Images.open(image, "raw", false)) {
            assertFalse(again.readOnly());
        }
        try (BlockBackend reader = Images.open(image, "raw", true)) {
            assertTrue(reader.readOnly());
        }
    }

    /** The descriptor calls a spawning child process makes implicitly: it holds a copy of every descriptor. */
    interface Descriptors extends Library {
        int dup(int fd);

        int close(int fd);
    }

    @Test
    void closeReleasesTheLockWhileACopyOfTheDescriptorLivesOn() throws IOException {
        Descriptors libc = Native.load("c", Descriptors.class);
        PosixImageFile writer = PosixImageFile.open(image, false);
        int copy = libc.dup(writer.lockDescriptor()); // as in a child between fork and exec
        assertTrue(copy >= 0);
        try {
            writer.close();
            try (BlockBackend again = Images.open(image, "raw", false)) {
                assertFalse(again.readOnly());
            }
            ExternalTool.Result write = ExternalTool.exec(dir, "qemu-io", "-f", "raw", "-c", "write -P 9 0 512",
                    image.toString());
            assertEquals(0, write.exitCode(), "released: " + write.err());
        } finally {
            libc.close(copy);
        }
    }

    @Test
    void qemuCannotWriteWhatWeHoldAndWeCannotWriteWhatQemuReads() throws IOException {
        try (BlockBackend ours = Images.open(image, "raw", false)) {
            ExternalTool.Result write = ExternalTool.exec(dir, "qemu-io", "-f", "raw", "-c", "write 0 512",
                    image.toString());
            assertEquals(1, write.exitCode(), write.out());
            assertTrue(write.err().contains("Failed to get \"write\" lock"), write.err());
            // qemu-img info shares writing, as with a running QEMU
            ExternalTool.Result info = ExternalTool.exec(dir, "qemu-img", "info", "-f", "raw", image.toString());
            assertEquals(0, info.exitCode(), info.err());
        }
        try (BlockBackend ours = Images.open(image, "raw", true)) {
            ExternalTool.Result write = ExternalTool.exec(dir, "qemu-io", "-f", "raw", "-c", "write 0 512",
                    image.toString());
            assertTrue(write.err().contains("Failed to get \"write\" lock"), write.err());
            ExternalTool.Result read = ExternalTool.exec(dir, "qemu-io", "-r", "-f", "raw", "-c", "read 0 512",
                    image.toString());
            assertEquals(0, read.exitCode(), read.err());
        }
        ExternalTool.Result write = ExternalTool.exec(dir, "qemu-io", "-f", "raw", "-c", "write -P 7 0 512",
                image.toString());
        assertEquals(0, write.exitCode(), "released: " + write.err());
        assertEquals(7, Files.readAllBytes(image)[0]);
    }

    @Test
    void missingAndUnreadableFilesAreOneLineErrors() throws IOException {
        Path missing = dir.resolve("nope.img");
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.open(missing, null, true));
        assertOneLine(e, missing, "no such file");
        ImageFormatException d = assertThrows(ImageFormatException.class, () -> Images.open(dir, null, false));
        assertOneLine(d, dir, "cannot open");
    }
}
