package dev.virtflash.hw.block.qcow2;

import dev.virtflash.hw.block.BackingOpener;
import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Opens the backing file of a qcow2 image, read-only: the name is relative to the image's folder (unless absolute);
 * the format comes from the backing format header extension or, when absent, from the magic number. qcow2 backing
 * files are opened here, carrying the chain along, so that a loop (a file that is its own backing file, directly or
 * further down) and an absurdly deep chain are refused with one line naming the files; other formats go through the
 * {@link BackingOpener}.
 */
final class BackingChain {

    /** Longest chain accepted (QEMU has no fixed limit; this is far beyond any real use). */
    static final int MAX_DEPTH = 64;

    private BackingChain() {
    }

    /** The canonical name of {@code path}, for loop detection. */
    static Path canonical(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    /**
     * Opens the backing file named in {@code header} of the image at {@code chain}'s last element.
     *
     * @param chain canonical paths from the top image down to the image whose backing file is opened
     */
    static BlockBackend open(Qcow2Header header, BackingOpener opener, List<Path> chain) throws IOException {
        Path image = header.path();
        String name = header.backingFile();
        if (name.startsWith("json:") || name.contains("://")) {
            throw new ImageFormatException(image, "backing file '" + printable(name) + "' is a protocol or json: name,"
                    + " expected a file name");
        }
        Path resolved;
        try {
            Path named = Path.of(name);
            Path folder = image.toAbsolutePath().getParent();
            resolved = named.isAbsolute() || folder == null ? named : folder.resolve(named);
        } catch (InvalidPathException e) {
            throw new ImageFormatException(image, "backing file name '" + printable(name) + "' is not a valid"
                    + " path");
        }
        if (!Files.exists(resolved)) {
            throw new ImageFormatException(image, "backing file '" + printable(name) + "' not found (looked for "
                    + printable(resolved.toString()) + ")");
        }
        if (Files.isDirectory(resolved)) {
            throw new ImageFormatException(image, "backing file '" + printable(name) + "' is a directory ("
                    + printable(resolved.toString()) + ")");
        }
        Path real = canonical(resolved);
        if (chain.contains(real)) {
            List<Path> loop = new ArrayList<>(chain);
            loop.add(real);
            throw new ImageFormatException(image, "backing chain loops back to " + real + ": " + loop.stream()
                    .map(Path::toString).collect(Collectors.joining(" -> ")));
        }
        if (chain.size() >= MAX_DEPTH) {
            throw new ImageFormatException(image, "backing chain is deeper than " + MAX_DEPTH + " images");
        }
        String format = header.backingFormat() == null ? null : header.backingFormat().toLowerCase(Locale.ROOT);
        if (format == null || format.equals("qcow2")) {
            ImageFile file = ImageFile.open(resolved, true);
            try {
                if (format != null || isQcow2(file)) {
                    List<Path> longer = new ArrayList<>(chain);
                    longer.add(real);
                    return Qcow2Backend.open(file, opener, longer);
                }
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
            file.close();
        }
        return opener.open(resolved, format);
    }

    private static boolean isQcow2(ImageFile file) throws IOException {
        if (file.length() < 4) {
            return false;
        }
        ByteBuffer magic = ByteBuffer.allocate(4);
        file.readFully(0, magic);
        return magic.getInt(0) == Qcow2Backend.MAGIC;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c < 0x20 || c == 0x7F ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }
}
