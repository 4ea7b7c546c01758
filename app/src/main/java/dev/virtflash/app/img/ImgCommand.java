package dev.virtflash.app.img;

import dev.virtflash.app.cli.Sizes;
import dev.virtflash.app.cli.UsageException;
import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.ImageFile;
import dev.virtflash.hw.block.ImageFormatException;
import dev.virtflash.hw.block.image.Images;
import dev.virtflash.hw.block.Mapping;
import dev.virtflash.hw.block.NonZeroReader;
import dev.virtflash.hw.block.qcow2.Qcow2CheckReport;
import dev.virtflash.hw.block.qcow2.Qcow2Checker;
import dev.virtflash.hw.block.qcow2.Qcow2Image;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code virt img}: image tools a user of {@code qemu-img} recognises. The CLI calls {@link #run} with the words after
 * {@code img}.
 *
 * <pre>
 * create [-f raw|qcow2] [-b BACKING -F BACKING_FMT] [-o compat=0.10|1.1,cluster_size=SIZE] FILE [SIZE]
 * info   [-f FMT] FILE
 * map    [-f FMT] [--output=human|json] FILE
 * check  [-f FMT] FILE
 * </pre>
 *
 * <p>Exit codes: 0 success; 1 an image or I/O problem (one line on {@code err}, naming the file); 2 a usage error
 * (one line and a hint); {@code check} also returns qemu-img's 2 (corruptions), 3 (leaks) and 63 (the format has no
 * checks).
 *
 * <p>Not provided: qemu-img's other subcommands (convert, resize, snapshot, ...), {@code create -o} options other
 * than {@code compat} and {@code cluster_size}, {@code create -u} (the backing file is always opened, as without
 * {@code -u}), {@code check -r} (repairs), {@code info --backing-chain}/{@code --output=json},
 * {@code map --start-offset/--max-length}.
 *
 * <p>Size: about 430 lines, over the project's 400, on purpose: four small subcommands and their shared option
 * reader, each a few dozen lines of output formatting that must match {@code qemu-img}'s byte for byte.
 */
public final class ImgCommand {

    /** Exit code: success. */
    public static final int OK = 0;
    /** Exit code: the image or the host said no (one line on err). */
    public static final int FAILED = 1;
    /** Exit code: the command line is wrong. */
    public static final int USAGE = 2;
    /** Exit code of {@code check} for a format without checks, as qemu-img. */
    public static final int NO_CHECKS = 63;

    private static final String USAGE_TEXT = String.join("\n",
            "usage: virt img create [-f raw|qcow2] [-b BACKING -F BACKING_FMT] [-o compat=0.10|1.1,cluster_size=SIZE]",
            "                       FILE [SIZE]",
            "       virt img info [-f FMT] FILE",
            "       virt img map [-f FMT] [--output=human|json] FILE",
            "       virt img check [-f FMT] FILE",
            "SIZE is in bytes, or with a suffix K, M, G, T, P or E (powers of 1024), e.g. 64M.");

    private static final String HINT = "Try 'virt img help' for more information.";

    private ImgCommand() {
    }

    /**
     * Runs one subcommand.
     *
     * @param args the subcommand and its arguments, e.g. {@code [map, --output=json, flash0.img]}
     * @return the exit code
     */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            err.println("virt img: a subcommand is needed (create, info, map, check)");
            err.println(HINT);
            return USAGE;
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        try {
            switch (command) {
                case "create":
                    return create(Options.parse(command, rest, "fboF", 1, 2), out);
                case "info":
                    return info(Options.parse(command, rest, "f", 1, 1), out);
                case "map":
                    return map(Options.parse(command, rest, "f", 1, 1), out, err);
                case "check":
                    return check(Options.parse(command, rest, "f", 1, 1), out, err);
                case "help":
                case "--help":
                case "-h":
                    out.println(USAGE_TEXT);
                    return OK;
                default:
                    err.println("virt img: unknown subcommand '" + command + "', expected create, info, map or check");
                    return USAGE;
            }
        } catch (UsageException e) {
            err.println("virt img " + command + ": " + e.getMessage());
            err.println(HINT);
            return USAGE;
        } catch (IOException e) {
            err.println(e.getMessage());
            return FAILED;
        } catch (UncheckedIOException e) {
            err.println(e.getCause().getMessage());
            return FAILED;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return FAILED;
        }
    }

    private static int create(Options options, PrintStream out) throws IOException, UsageException {
        String format = options.value('f', "raw").toLowerCase(Locale.ROOT);
        Path file = Path.of(options.positional(0));
        String backing = options.value('b', null);
        String backingFormat = options.value('F', null);
        int version = 3;
        String compat = null; // as the user spelled it; qemu-img echoes it
        int clusterSize = Qcow2Image.DEFAULT_CLUSTER_SIZE;
        List<String> optionsGiven = new ArrayList<>();
        for (String option : options.values('o')) {
            for (String item : option.split(",")) {
                optionsGiven.add(item);
                if (item.equals("compat=1.1") || item.equals("compat=v3")) {
                    version = 3;
                    compat = item.substring("compat=".length());
                } else if (item.equals("compat=0.10") || item.equals("compat=v2")) {
                    version = 2;
                    compat = item.substring("compat=".length());
                } else if (item.startsWith("cluster_size=") && format.equals("qcow2")) {
                    clusterSize = clusterSize(file, item);
                } else {
                    throw new ImageFormatException(file, "unsupported creation option '" + item
                            + "', expected compat=0.10, compat=1.1 or cluster_size=SIZE (qcow2 only)");
                }
            }
        }
        if (!Images.FORMATS.contains(format)) {
            throw new ImageFormatException(file, "unknown format '" + format + "', expected one of " + Images.FORMATS);
        }
        if (backingFormat != null && backing == null) {
            throw UsageException.usage("-F needs a backing file (-b)");
        }
        if (format.equals("raw") && (backing != null || !optionsGiven.isEmpty())) {
            throw new ImageFormatException(file, backing != null ? "format 'raw' has no backing files"
                    : "format 'raw' has no creation option '" + optionsGiven.get(0) + "'");
        }
        long size = -1;
        if (options.positionalCount() == 2) {
            size = Sizes.parseImageSize(options.positional(1));
        }
        if (backing != null) {
            long backingSize = backingSize(file, backing, backingFormat);
            if (size < 0) {
                size = backingSize;
            }
        }
        if (size < 0) {
            throw new ImageFormatException(file, "image creation needs a size (e.g. 64M)");
        }
        if (format.equals("qcow2")) {
            long rounded = (size + 511) / 512 * 512;
            if (rounded < size) {
                throw new ImageFormatException(file, "image size " + size + " is too large");
            }
            Qcow2Image.create(file, rounded, version, backing, backingFormat, clusterSize);
            out.println(formattingQcow2(file, size, clusterSize, compat, backing, backingFormat));
            return OK;
        }
        Images.createRaw(file, size);
        out.println("Formatting '" + file + "', fmt=raw size=" + size);
        return OK;
    }

    /**
     * The line {@code qemu-img create -f qcow2} (7.2) prints: its options in its order, with the defaults it shows,
     * {@code compat} only when given (as spelled), the size as asked for (before rounding to whole sectors).
     */
    static String formattingQcow2(Path file, long size, int clusterSize, String compat, String backing,
            String backingFormat) {
        StringBuilder line = new StringBuilder("Formatting '").append(file).append("', fmt=qcow2 cluster_size=")
                .append(clusterSize).append(" extended_l2=off compression_type=zlib size=").append(size);
        if (compat != null) {
            line.append(" compat=").append(compat);
        }
        if (backing != null) {
            line.append(" backing_file=").append(backing).append(" backing_fmt=").append(backingFormat);
        }
        return line.append(" lazy_refcounts=off refcount_bits=16").toString();
    }

    private static int clusterSize(Path file, String item) throws ImageFormatException {
        String text = item.substring("cluster_size=".length());
        long value;
        try {
            value = Sizes.parseImageSize(text);
        } catch (IllegalArgumentException e) {
            value = -1;
        }
        if (value < 512 || value > 2 << 20 || Long.bitCount(value) != 1) {
            throw new ImageFormatException(file, "cluster_size '" + text + "', expected a power of two from 512"
                    + " to 2M");
        }
        return (int) value;
    }

    /**
     * Opens the backing file as {@code qemu-img create} does (relative to the new image's folder, read-only) and
     * returns its virtual size. As qemu-img 7.2, a backing file needs its format ({@code -F}), and the image cannot be
     * its own backing file.
     */
    private static long backingSize(Path file, String backing, String backingFormat) throws IOException {
        Path backingPath = file.resolveSibling(backing);
        if (Files.exists(file) && Files.exists(backingPath) && Files.isSameFile(file, backingPath)) {
            throw new ImageFormatException(file, "the backing file '" + backing + "' is the image itself, expected"
                    + " another file");
        }
        try (BlockBackend base = Images.open(backingPath, backingFormat, true)) {
            if (backingFormat == null) {
                throw new ImageFormatException(file, "backing file '" + backing + "' given without its format,"
                        + " expected -F " + base.format() + " (the format it looks like)");
            }
            return base.size();
        }
    }

    /** QEMU's top-level {@code info} fields among a backend's {@link BlockBackend#details}; the rest is format-specific. */
    private static final List<String> TOP_LEVEL_DETAILS = List.of("cluster_size", "backing file",
            "backing file format");

    private static int info(Options options, PrintStream out) throws IOException {
        try (BlockBackend image = Images.open(Path.of(options.positional(0)), options.value('f', null), true)) {
            StringBuilder text = new StringBuilder();
            text.append("image: ").append(image.path()).append('\n');
            text.append("file format: ").append(image.format()).append('\n');
            text.append("virtual size: ").append(Sizes.qemuHuman(image.size())).append(" (").append(image.size())
                    .append(" bytes)\n");
            long disk = image.allocatedBytes();
            text.append("disk size: ").append(disk < 0 ? "unavailable" : Sizes.qemuHuman(disk)).append('\n');
            Map<String, String> details = image.details();
            for (String key : TOP_LEVEL_DETAILS) {
                String value = details.get(key);
                if (value != null) {
                    text.append(key).append(": ").append(value);
                    if (key.equals("backing file")) {
                        String actual = actualBackingPath(image.path().toString(), value);
                        if (!actual.equals(value)) {
                            text.append(" (actual path: ").append(actual).append(')');
                        }
                    }
                    text.append('\n');
                }
            }
            boolean specific = false;
            for (Map.Entry<String, String> detail : details.entrySet()) {
                if (!TOP_LEVEL_DETAILS.contains(detail.getKey())) {
                    if (!specific) {
                        text.append("Format specific information:\n");
                        specific = true;
                    }
                    text.append("    ").append(detail.getKey()).append(": ").append(detail.getValue()).append('\n');
                }
            }
            if (image.backing() != null) {
                StringBuilder chain = new StringBuilder(image.path() + " (" + image.format() + ")");
                for (BlockBackend b = image.backing(); b != null; b = b.backing()) {
                    chain.append(" -> ").append(b.path()).append(" (").append(b.format()).append(')');
                }
                text.append("backing chain: ").append(chain).append('\n');
            }
            NonZeroReader.Stats nonZero = NonZeroReader.count(image);
            long resident = nonZero.pagesCopied() * NonZeroReader.PAGE;
            text.append("non-zero data: ").append(Sizes.qemuHuman(resident)).append(" (").append(nonZero.pagesCopied())
                    .append(" pages of 4 KiB, ").append(resident).append(" bytes: what a flash load keeps resident)\n");
            out.print(text);
            return OK;
        }
    }

    /**
     * The backing file's path as qemu-img prints it after "actual path": a relative name is appended to the image's
     * name up to its last slash (QEMU's {@code path_combine}), an absolute one stays as it is.
     */
    static String actualBackingPath(String image, String backing) {
        if (backing.startsWith("/")) {
            return backing;
        }
        return image.substring(0, image.lastIndexOf('/') + 1) + backing;
    }

    private static int map(Options options, PrintStream out, PrintStream err) throws IOException, UsageException {
        String output = options.longValue("output", "human");
        if (!output.equals("human") && !output.equals("json")) {
            throw UsageException.usage("--output=" + output + ", expected human or json");
        }
        try (BlockBackend image = Images.open(Path.of(options.positional(0)), options.value('f', null), true)) {
            List<Mapping> runs = ImageMap.runs(image);
            if (output.equals("json")) {
                ImageMap.printJson(runs, false, out);
                return OK;
            }
            if (!ImageMap.printHuman(runs, out)) {
                err.println(image.path() + ": holds compressed clusters, which the human format cannot show;"
                        + " use --output=json");
                return FAILED;
            }
            return OK;
        }
    }

    /**
     * {@code check}: for qcow2, {@link Qcow2Checker}'s problem lines on {@code err}, its summary on {@code out}, and
     * {@code qemu-img check}'s exit status. The checker reads the file itself (read-only), so an image whose tables are
     * too damaged to open for reading can still be checked; only a broken header stops it.
     */
    private static int check(Options options, PrintStream out, PrintStream err) throws IOException {
        Path file = Path.of(options.positional(0));
        String format = options.value('f', null);
        if (format == null) {
            try (ImageFile image = ImageFile.open(file, true)) {
                format = Images.probe(image);
            }
        }
        format = format.toLowerCase(Locale.ROOT);
        if (!format.equals("qcow2")) {
            try (BlockBackend image = Images.open(file, format, true)) {
                err.println(image.path() + ": this image format (" + image.format() + ") does not support checks");
                return NO_CHECKS;
            }
        }
        Qcow2CheckReport report = Qcow2Checker.check(file);
        for (String message : report.messages()) {
            err.println(message);
        }
        out.print(report.summary());
        return report.exitStatus();
    }

    /** The options of one subcommand: single-letter options with a value, {@code --name=value}, positionals. */
    private static final class Options {
        private final Map<Character, List<String>> values;
        private final Map<String, String> longValues;
        private final List<String> positionals;

        private Options(Map<Character, List<String>> values, Map<String, String> longValues,
                List<String> positionals) {
            this.values = values;
            this.longValues = longValues;
            this.positionals = positionals;
        }

        static Options parse(String command, List<String> args, String letters, int minPositionals,
                int maxPositionals) throws UsageException {
            Map<Character, List<String>> values = new java.util.HashMap<>();
            Map<String, String> longValues = new java.util.HashMap<>();
            List<String> positionals = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                if (arg.equals("--")) {
                    positionals.addAll(args.subList(i + 1, args.size()));
                    break;
                } else if (arg.startsWith("--") && command.equals("map") && arg.startsWith("--output")) {
                    if (arg.startsWith("--output=")) {
                        longValues.put("output", arg.substring("--output=".length()));
                    } else if (arg.equals("--output") && i + 1 < args.size()) {
                        longValues.put("output", args.get(++i));
                    } else {
                        throw UsageException.usage("--output needs a value (human or json)");
                    }
                } else if (arg.startsWith("-") && arg.length() >= 2 && !arg.startsWith("--")) {
                    char letter = arg.charAt(1);
                    if (letters.indexOf(letter) < 0) {
                        throw UsageException.usage("unknown option '" + arg + "'");
                    }
                    String value;
                    if (arg.length() > 2) {
                        value = arg.substring(2);
                    } else if (i + 1 < args.size()) {
                        value = args.get(++i);
                    } else {
                        throw UsageException.usage("option '" + arg + "' needs a value");
                    }
                    values.computeIfAbsent(letter, k -> new ArrayList<>()).add(value);
                } else if (arg.startsWith("--")) {
                    throw UsageException.usage("unknown option '" + arg + "'");
                } else {
                    positionals.add(arg);
                }
            }
            if (positionals.size() < minPositionals) {
                throw UsageException.usage("an image file is needed");
            }
            if (positionals.size() > maxPositionals) {
                throw UsageException.usage("unexpected argument '" + positionals.get(maxPositionals) + "'");
            }
            for (Map.Entry<Character, List<String>> e : values.entrySet()) {
                if (e.getKey() != 'o' && e.getValue().size() > 1) {
                    throw UsageException.usage("option '-" + e.getKey() + "' given twice");
                }
            }
            return new Options(values, longValues, positionals);
        }

        String value(char letter, String otherwise) {
            List<String> v = values.get(letter);
            return v == null ? otherwise : v.get(0);
        }

        List<String> values(char letter) {
            return values.getOrDefault(letter, List.of());
        }

        String longValue(String name, String otherwise) {
            return longValues.getOrDefault(name, otherwise);
        }

        String positional(int index) {
            return positionals.get(index);
        }

        int positionalCount() {
            return positionals.size();
        }
    }
}
