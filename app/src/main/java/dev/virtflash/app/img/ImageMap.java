package dev.virtflash.app.img;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.Mapping;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code virt img map}: an image's runs as {@code qemu-img map} prints them, in its JSON or human format. Runs are
 * asked of {@link BlockBackend#mapping} up to 1 GiB at a time and adjacent runs that continue each other (same layer,
 * flags and file, host offsets continuing) are printed as one, as qemu-img does, so the output is independent of how
 * a backend cuts its answers.
 */
final class ImageMap {

    /** qemu-img asks for at most this much at a time. */
    private static final long PROBE = 1L << 30;

    private ImageMap() {
    }

    /** The merged runs of {@code image}, in order, covering {@code [0, size)}. */
    static List<Mapping> runs(BlockBackend image) throws IOException {
        List<Mapping> runs = new ArrayList<>();
        long size = image.size();
        Mapping current = null;
        for (long offset = 0; offset < size; ) {
            Mapping next = image.mapping(offset, Math.min(PROBE, size - offset));
            if (next.offset() != offset || next.end() > size) {
                throw new IllegalStateException(image.path() + ": mapping for " + offset + " returned " + next
                        + ", expected a run starting there and ending by " + size);
            }
            if (current != null && current.continuedBy(next)) {
                current = current.merge(next);
            } else {
                if (current != null) {
                    runs.add(current);
                }
                current = next;
            }
            offset = next.end();
        }
        if (current != null) {
            runs.add(current);
        }
        return runs;
    }

    /**
     * Prints {@code runs} as {@code qemu-img map --output=json} (QEMU 7.2) does: one object a line, the
     * {@code offset} member only where a host offset is known, {@code compressed} only if {@code withCompressed}
     * (QEMU 8.1 and later print it).
     */
    static void printJson(List<Mapping> runs, boolean withCompressed, PrintStream out) {
        if (runs.isEmpty()) {
            // qemu-img prints its initial, empty run for an empty image
            out.print("[{ \"start\": 0, \"length\": 0, \"depth\": 0, \"present\": false, \"zero\": false,"
                    + " \"data\": false" + (withCompressed ? ", \"compressed\": false" : "") + "}]\n");
            return;
        }
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < runs.size(); i++) {
            Mapping m = runs.get(i);
            text.append("{ \"start\": ").append(m.offset())
                    .append(", \"length\": ").append(m.length())
                    .append(", \"depth\": ").append(m.depth());
            if (withCompressed) {
                text.append(", \"present\": ").append(m.present())
                        .append(", \"zero\": ").append(m.zero())
                        .append(", \"data\": ").append(m.data())
                        .append(", \"compressed\": ").append(m.compressed());
            } else {
                text.append(", \"present\": ").append(m.present())
                        .append(", \"zero\": ").append(m.zero())
                        .append(", \"data\": ").append(m.data());
            }
            if (m.hasHostOffset()) {
                text.append(", \"offset\": ").append(m.hostOffset());
            }
            text.append('}');
            if (i + 1 < runs.size()) {
                text.append(",\n");
            }
        }
        text.append("]\n");
        out.print(text);
    }

    /**
     * Prints {@code runs} as {@code qemu-img map} (human format) does: a header, then a line for each run of stored,
     * non-zero data with its host offset and file; zero and unallocated runs are not listed.
     *
     * @return {@code false} when it met a data run without a host offset (compressed clusters), which this format
     *         cannot show; as in qemu-img, the lines before it have been printed
     */
    static boolean printHuman(List<Mapping> runs, PrintStream out) {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%-16s%-16s%-16s%s%n",
                "Offset", "Length", "Mapped to", "File"));
        boolean complete = true;
        for (Mapping m : runs) {
            if (m.data() && !m.hasHostOffset()) {
                complete = false;
                break;
            }
            if (m.data() && !m.zero()) {
                appendHuman(text, m);
            }
        }
        out.print(text);
        return complete;
    }

    private static void appendHuman(StringBuilder text, Mapping m) {
        text.append(String.format(Locale.ROOT, "%-16s%-16s%-16s%s%n", hex(m.offset()), hex(m.length()),
                hex(m.hostOffset()), m.file()));
    }

    /** C's {@code %#x}: {@code 0} without a prefix, otherwise {@code 0x...}. */
    private static String hex(long value) {
        return value == 0 ? "0" : "0x" + Long.toHexString(value);
    }
}
