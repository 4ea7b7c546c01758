package dev.virtflash.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The flash RSS report printed after a run: per bank its virtual size, the image's allocated and non-zero bytes,
 * and how much of the bank's memory is resident, split into what the bank owns and what it shares (a read-only
 * bank's image, see {@code SharedImages}); then the process's {@code VmRSS} and {@code RssAnon}, and the RAM
 * merged into a pool ({@code mem-merge}). As a table
 * for people ({@link #toTable()}) or one JSON object for CI ({@link #toJson()}). Figures are gathered by the board;
 * this class only formats them.
 *
 * @param banks   one entry per flash bank, in bank order
 * @param process the process figures
 */
public record RssReport(List<Bank> banks, Process process) {

    /**
     * One flash bank.
     *
     * @param name           e.g. {@code "flash0"}
     * @param virtualSize    the bank's size in bytes (64 MiB)
     * @param image          the backing image, or {@code null} when the bank has none ({@code -bios}, no drive)
     * @param allocatedBytes bytes the image's file takes on disk (0 without an image)
     * @param nonZeroBytes   bytes of the bank's 4 KiB pages that hold a non-zero byte
     * @param residentBytes  bytes of the bank's memory resident in RAM
     * @param dataBytes      bytes of the bank's pages that something wrote (the image load, a {@code -bios} copy, the
     *                       flash model): the pages the bank may cost
     * @param presentBytes   bytes of the bank's pages mapped by the kernel ({@code /proc/self/pagemap}): every page
     *                       something wrote or read. Equal to {@code dataBytes} when nothing read a page that nothing
     *                       wrote, on any kernel (JSON only)
     * @param ownedBytes     resident bytes that are the bank's own anonymous memory ({@code Anonymous} in smaps)
     * @param sharedBytes    resident bytes the bank shares with other boards, processes and the page cache: a
     *                       read-only bank's image memory (its pages count once however many boards read them)
     * @param sharedFile     the image file a shared bank reads, or {@code null} when the bank owns its memory
     */
    public record Bank(String name, long virtualSize, Path image, long allocatedBytes, long nonZeroBytes,
                       long residentBytes, long dataBytes, long presentBytes, long ownedBytes, long sharedBytes,
                       Path sharedFile) {
        public Bank {
            Objects.requireNonNull(name, "name");
        }

        /** A bank that owns all its memory: owned = resident, nothing shared. */
        public static Bank owning(String name, long virtualSize, Path image, long allocatedBytes, long nonZeroBytes,
                                  long residentBytes, long dataBytes, long presentBytes) {
            return new Bank(name, virtualSize, image, allocatedBytes, nonZeroBytes, residentBytes, dataBytes,
                    presentBytes, residentBytes, 0, null);
        }
    }

    /**
     * The whole process, from {@code /proc/self/status}, and the RAM pages merged into a pool.
     *
     * @param vmRss     {@code VmRSS} in bytes
     * @param rssAnon   {@code RssAnon} in bytes
     * @param ramMerged bytes of the pool the board's RAM merged into ({@code mem-merge}): pages kept once, which
     *                  {@code VmRSS} counts only where the guest has touched them since, so they are shown apart
     */
    public record Process(long vmRss, long rssAnon, long ramMerged) {
    }

    public RssReport {
        banks = List.copyOf(banks);
        Objects.requireNonNull(process, "process");
    }

    /** Resident bytes of all banks together. */
    public long flashResidentBytes() {
        long sum = 0;
        for (Bank b : banks) {
            sum += b.residentBytes;
        }
        return sum;
    }

    /** The human table, lines ending in {@code \n}. */
    public String toTable() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"bank", "size", "allocated", "non-zero", "resident", "owned", "shared", "image"});
        long size = 0;
        long allocated = 0;
        long nonZero = 0;
        long owned = 0;
        long shared = 0;
        for (Bank b : banks) {
            rows.add(new String[] {b.name, Sizes.human(b.virtualSize), Sizes.human(b.allocatedBytes),
                Sizes.human(b.nonZeroBytes), Sizes.human(b.residentBytes), Sizes.human(b.ownedBytes),
                Sizes.human(b.sharedBytes), b.image != null ? b.image.toString()
                    : b.sharedFile != null ? "-bios " + b.sharedFile : "(no image)"});
            size += b.virtualSize;
            allocated += b.allocatedBytes;
            nonZero += b.nonZeroBytes;
            owned += b.ownedBytes;
            shared += b.sharedBytes;
        }
        rows.add(new String[] {"total", Sizes.human(size), Sizes.human(allocated), Sizes.human(nonZero),
            Sizes.human(flashResidentBytes()), Sizes.human(owned), Sizes.human(shared), ""});
        int[] width = new int[8];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder("flash RSS report\n");
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                String cell = r[i];
                if (i == 0 || i == r.length - 1) {
                    line.append(cell).append(" ".repeat(width[i] - cell.length()));
                } else {
                    line.append(" ".repeat(width[i] - cell.length())).append(cell);
                }
                line.append("  ");
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        sb.append("process: VmRSS ").append(Sizes.human(process.vmRss)).append(", RssAnon ")
                .append(Sizes.human(process.rssAnon));
        if (process.ramMerged > 0) {
            sb.append(", RAM merged ").append(Sizes.human(process.ramMerged)).append(" (kept once, mem-merge)");
        }
        sb.append('\n');
        return sb.toString();
    }

    /** One JSON object on one line (no trailing newline); sizes in bytes, {@code image} null without an image. */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\"banks\":[");
        for (int i = 0; i < banks.size(); i++) {
            Bank b = banks.get(i);
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"name\":");
            string(sb, b.name);
            sb.append(",\"virtualSize\":").append(b.virtualSize);
            sb.append(",\"image\":");
            if (b.image == null) {
                sb.append("null");
            } else {
                string(sb, b.image.toString());
            }
            sb.append(",\"allocatedBytes\":").append(b.allocatedBytes);
            sb.append(",\"nonZeroBytes\":").append(b.nonZeroBytes);
            sb.append(",\"residentBytes\":").append(b.residentBytes);
            sb.append(",\"dataBytes\":").append(b.dataBytes);
            sb.append(",\"presentBytes\":").append(b.presentBytes);
            sb.append(",\"ownedBytes\":").append(b.ownedBytes);
            sb.append(",\"sharedBytes\":").append(b.sharedBytes);
            sb.append(",\"sharedFile\":");
            if (b.sharedFile == null) {
                sb.append("null");
            } else {
                string(sb, b.sharedFile.toString());
            }
            sb.append('}');
        }
        sb.append("],\"flashResidentBytes\":").append(flashResidentBytes());
        sb.append(",\"process\":{\"vmRssBytes\":").append(process.vmRss);
        sb.append(",\"rssAnonBytes\":").append(process.rssAnon);
        sb.append(",\"ramMergedBytes\":").append(process.ramMerged).append("}}");
        return sb.toString();
    }

    /** A JSON string literal: quotes, backslash and control characters escaped; non-ASCII as {@code \\uXXXX}. */
    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c < 0x20 || c > 0x7E) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }
}
