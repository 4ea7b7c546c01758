package dev.virtflash.virt.cli;

import dev.virtflash.virt.VirtMemoryMap;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a {@code virt} command line, spelled as {@code qemu-system-aarch64}'s so that a QEMU user's command line
 * works unchanged, into a {@link ParsedCommand}.
 *
 * <p>Hand-written rather than picocli: QEMU's options are single-dash long names ({@code -drive}, {@code -machine})
 * that QEMU also accepts with two dashes, and their values are comma-separated {@code key=value} lists with
 * {@code ,,} as an escaped comma; picocli would need a custom parser for all of that, and its error messages would
 * need rewriting to our one-line form anyway.
 *
 * <p>QEMU options: {@code -M}/{@code -machine virt[,dumpdtb=FILE]}, {@code -cpu cortex-a57}, {@code -m SIZE},
 * {@code -bios FILE}, {@code -kernel FILE}, {@code -initrd FILE}, {@code -append STRING}, {@code -smp 1},
 * {@code -no-reboot}, {@code -drive if=pflash,...}, {@code -serial stdio|mon:stdio|file:PATH|null|none},
 * {@code -nographic}, {@code -display none}, {@code -nic none}, {@code -monitor none}, {@code -semihosting}, {@code -semihosting-config enable=on|off[,target=native|auto]}.
 * Ours: {@code --payload NAME}, {@code --rss-report[=table|json|none]}, {@code --timeout SECONDS}, {@code --help},
 * {@code --version}; the first argument {@code img} or {@code bench} starts a subcommand.
 */
public final class CommandLineParser {

    private static final Set<String> DRIVE_KEYS = Set.of("if", "unit", "index", "format", "file", "readonly");
    private static final List<String> DRIVE_KEYS_IN_ORDER = List.of("if", "unit", "index", "format", "file",
            "readonly");
    private static final Set<String> SUBCOMMANDS = Set.of("img", "bench");
    /** QEMU options that take a value. */
    private static final Set<String> QEMU_WITH_VALUE = Set.of("M", "machine", "cpu", "m", "bios", "drive", "serial",
            "display", "semihosting-config", "nic", "monitor", "kernel", "initrd", "append", "smp");
    /** QEMU options that are flags. */
    private static final Set<String> QEMU_FLAGS = Set.of("nographic", "semihosting", "no-reboot");
    /** The smallest RAM: the device tree takes its first 1 MiB. */
    static final long MIN_RAM = 1L << 20;
    /** QEMU rounds {@code -m} up to a multiple of this. */
    static final long RAM_ALIGN = 8192;

    private final PayloadCatalog payloads;

    /** @param payloads where {@code --payload} names are looked up */
    public CommandLineParser(PayloadCatalog payloads) {
        this.payloads = Objects.requireNonNull(payloads, "payloads");
    }

    /**
     * Parses and validates {@code args}.
     *
     * @throws UsageException with a one-line message and the exit code
     */
    public ParsedCommand parse(List<String> args) throws UsageException {
        if (!args.isEmpty() && SUBCOMMANDS.contains(args.get(0))) {
            return new ParsedCommand.Subcommand(args.get(0), args.subList(1, args.size()));
        }
        State s = new State();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
                throw UsageException.usage("unexpected argument '" + arg + "': virt takes options only"
                        + " (QEMU's bare disk image is not supported; use -drive if=pflash,file=" + arg + ")");
            }
            String name = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            String inlineValue = null;
            if (arg.startsWith("--") && name.indexOf('=') >= 0) {
                inlineValue = name.substring(name.indexOf('=') + 1);
                name = name.substring(0, name.indexOf('='));
            }
            switch (name) {
                case "help":
                case "h":
                    return new ParsedCommand.Help();
                case "version":
                    return new ParsedCommand.Version();
                case "payload":
                    s.payload = inlineValue != null ? inlineValue : value(args, i++, "--payload", "default");
                    break;
                case "timeout":
                    s.timeout = timeout(inlineValue != null ? inlineValue : value(args, i++, "--timeout", "30"));
                    break;
                case "rss-report":
                    s.rssReport = rssReport(inlineValue);
                    break;
                default:
                    if (inlineValue != null && (QEMU_WITH_VALUE.contains(name) || QEMU_FLAGS.contains(name))) {
                        throw UsageException.usage("option " + arg + ": QEMU options take their value as the next"
                                + " argument, expected -" + name + " VALUE");
                    }
                    if (QEMU_FLAGS.contains(name)) {
                        flag(s, name);
                    } else if (QEMU_WITH_VALUE.contains(name)) {
                        qemuOption(s, "-" + name, value(args, i++, "-" + name, example(name)));
                    } else {
                        throw UsageException.usage("unknown option " + arg + "; see virt --help for the options"
                                + " we have");
                    }
            }
        }
        return new ParsedCommand.Run(finish(s));
    }

    /** The mutable state of one parse. */
    private static final class State {
        long ramSize = MachineConfig.DEFAULT_RAM_SIZE;
        Path bios;
        final Map<Integer, DriveSpec> drives = new LinkedHashMap<>();
        SerialSpec serial;
        boolean semihosting;
        String payload;
        RssReportMode rssReport;
        Duration timeout;
        Path dumpDtb;
        Path kernel;
        Path initrd;
        String append;
        boolean noReboot;
    }

    private static String value(List<String> args, int i, String option, String example) throws UsageException {
        if (i + 1 >= args.size()) {
            throw UsageException.usage("option " + option + " needs a value, e.g. " + option + " " + example);
        }
        return args.get(i + 1);
    }

    private static String example(String name) {
        switch (name) {
            case "M":
            case "machine":
                return "virt";
            case "cpu":
                return MachineConfig.CPU;
            case "m":
                return "128M";
            case "bios":
                return "u-boot.bin";
            case "kernel":
                return "Image";
            case "initrd":
                return "initrd.img";
            case "append":
                return "console=ttyAMA0";
            case "smp":
                return "1";
            case "drive":
                return "if=pflash,unit=0,format=raw,file=flash0.img";
            case "serial":
                return "stdio";
            case "display":
            case "nic":
            case "monitor":
                return "none";
            default:
                return "enable=on";
        }
    }

    private static void flag(State s, String name) {
        if (name.equals("semihosting")) {
            s.semihosting = true;
        } else if (name.equals("no-reboot")) {
            s.noReboot = true;
        }
        // -nographic: there is no display anyway; the console is on stdio unless -serial says otherwise.
    }

    private void qemuOption(State s, String option, String value) throws UsageException {
        switch (option) {
            case "-M":
            case "-machine":
                machine(s, option, value);
                break;
            case "-cpu":
                if (!value.equals(MachineConfig.CPU)) {
                    throw UsageException.badValue("-cpu " + value + ": unsupported CPU '" + value + "', expected "
                            + MachineConfig.CPU);
                }
                break;
            case "-m":
                s.ramSize = ramSize(value);
                break;
            case "-bios":
                s.bios = Path.of(value);
                break;
            case "-kernel":
                s.kernel = Path.of(value);
                break;
            case "-initrd":
                s.initrd = Path.of(value);
                break;
            case "-append":
                s.append = value;
                break;
            case "-smp":
                if (!value.equals("1") && !value.equals("cpus=1")) {
                    throw UsageException.badValue("-smp " + value + ": " + value + " CPUs, expected 1 (this board has"
                            + " one core)");
                }
                break;
            case "-drive":
                drive(s, value);
                break;
            case "-serial":
                if (s.serial != null) {
                    throw UsageException.badValue("-serial " + value + ": a second -serial, but virt has one UART"
                            + " here (expected at most one -serial)");
                }
                s.serial = serial(value);
                break;
            case "-display":
                if (!value.equals("none")) {
                    throw UsageException.badValue("-display " + value + ": unsupported display '" + value
                            + "', expected none (this board has no display)");
                }
                break;
            case "-nic":
            case "-monitor":
                if (!value.equals("none")) {
                    throw UsageException.badValue(option + " " + value + ": unsupported value '" + value
                            + "', expected none (this board has no " + (option.equals("-nic") ? "network" : "monitor")
                            + ")");
                }
                break;
            default: // -semihosting-config
                semihostingConfig(s, value);
        }
    }

    private static void machine(State s, String option, String value) throws UsageException {
        List<String> parts = splitOptions(value);
        boolean typeSeen = false;
        for (String part : parts) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? "type" : part.substring(0, eq);
            String v = eq < 0 ? part : part.substring(eq + 1);
            switch (key) {
                case "type":
                    if (typeSeen || !v.equals(MachineConfig.MACHINE)) {
                        throw UsageException.badValue(option + " " + value + ": unsupported machine '" + v
                                + "', expected " + MachineConfig.MACHINE);
                    }
                    typeSeen = true;
                    break;
                case "dumpdtb":
                    if (v.isEmpty()) {
                        throw UsageException.badValue(option + " " + value + ": dumpdtb= needs a file name");
                    }
                    s.dumpDtb = Path.of(v);
                    break;
                case "secure":
                case "virtualization":
                    if (!parseBool(option, key, v)) {
                        break;
                    }
                    throw UsageException.badValue(option + " " + value + ": " + key + "=" + v
                            + " is not supported, expected " + key + "=off (the default)");
                default:
                    throw UsageException.badValue(option + " " + value + ": unknown machine property '" + key
                            + "', expected dumpdtb, secure=off or virtualization=off");
            }
        }
        if (!typeSeen) {
            throw UsageException.badValue(option + " " + value + ": no machine type, expected "
                    + MachineConfig.MACHINE);
        }
    }

    private static long ramSize(String value) throws UsageException {
        String size = value;
        for (String part : splitOptions(value)) {
            if (part.startsWith("size=")) {
                size = part.substring(5);
            } else if (part.indexOf('=') >= 0) {
                throw UsageException.badValue("-m " + value + ": unknown key '" + part.substring(0, part.indexOf('='))
                        + "', expected only a size (e.g. -m 128M or -m size=128M)");
            }
        }
        long bytes = Sizes.parse("-m", size, 'M');
        long rounded = (bytes + RAM_ALIGN - 1) / RAM_ALIGN * RAM_ALIGN;
        if (bytes < MIN_RAM) {
            throw UsageException.badValue("-m " + value + ": " + bytes + " bytes of RAM, expected at least " + MIN_RAM
                    + " (1M: the device tree takes the first 1 MiB)");
        }
        if (rounded > VirtMemoryMap.RAM.size()) {
            throw UsageException.badValue("-m " + value + ": " + bytes + " bytes of RAM, expected at most "
                    + VirtMemoryMap.RAM.size() + " (255G, the low memory map's limit)");
        }
        return rounded;
    }

    private static void drive(State s, String value) throws UsageException {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : splitOptions(value)) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw UsageException.badValue("-drive " + value + ": '" + part + "' is not key=value");
            }
            String key = part.substring(0, eq);
            if (!DRIVE_KEYS.contains(key)) {
                throw UsageException.badValue("-drive " + value + ": unknown key '" + key + "', expected one of "
                        + String.join(", ", DRIVE_KEYS_IN_ORDER));
            }
            if (kv.put(key, part.substring(eq + 1)) != null) {
                throw UsageException.badValue("-drive " + value + ": key '" + key + "' given twice");
            }
        }
        String iface = kv.get("if");
        if (iface == null) {
            throw UsageException.badValue("-drive " + value + ": if= is missing, expected if=pflash (QEMU's default"
                    + " if=ide does not exist on virt)");
        }
        if (!iface.equals("pflash")) {
            throw UsageException.badValue("-drive " + value + ": interface '" + iface
                    + "' is not supported, expected if=pflash");
        }
        String file = kv.get("file");
        if (file == null || file.isEmpty()) {
            throw UsageException.badValue("-drive " + value + ": file= is missing, expected file=IMAGE");
        }
        Integer unit = unit(value, "unit", kv.get("unit"));
        Integer index = unit(value, "index", kv.get("index"));
        if (unit != null && index != null && !unit.equals(index)) {
            throw UsageException.badValue("-drive " + value + ": unit=" + unit + " and index=" + index
                    + " disagree, expected the same bank");
        }
        if (unit == null) {
            unit = index;
        }
        if (unit == null) {
            unit = 0;
            while (s.drives.containsKey(unit)) {
                unit++;
            }
            if (unit >= MachineConfig.FLASH_BANKS) {
                throw UsageException.badValue("-drive " + value + ": both pflash units are taken, expected at most "
                        + MachineConfig.FLASH_BANKS + " pflash drives");
            }
        }
        if (s.drives.containsKey(unit)) {
            throw UsageException.badValue("-drive " + value + ": pflash unit " + unit + " is given twice, expected"
                    + " one drive per unit");
        }
        String format = kv.get("format");
        if (format != null && !format.equals("raw") && !format.equals("qcow2")) {
            throw UsageException.badValue("-drive " + value + ": format '" + format
                    + "' is not supported, expected raw or qcow2");
        }
        boolean readOnly = kv.containsKey("readonly") && parseBool("-drive " + value, "readonly", kv.get("readonly"));
        Path path = Path.of(file);
        if (!Files.exists(path)) {
            throw UsageException.badValue("-drive file=" + file + ": no such file, expected an existing image"
                    + " (create one with: virt img create " + file + ")");
        }
        if (!Files.isRegularFile(path)) {
            throw UsageException.badValue("-drive file=" + file + ": not a regular file, expected an image file");
        }
        s.drives.put(unit, new DriveSpec(unit, path, format, readOnly));
    }

    private static Integer unit(String value, String key, String text) throws UsageException {
        if (text == null) {
            return null;
        }
        if (!text.matches("[0-9]{1,9}")) {
            throw UsageException.badValue("-drive " + value + ": " + key + "=" + text
                    + " is not a number, expected 0 or 1");
        }
        int u = Integer.parseInt(text);
        if (u >= MachineConfig.FLASH_BANKS) {
            throw UsageException.badValue("-drive " + value + ": " + key + "=" + u
                    + " does not exist, expected 0 or 1 (virt has two flash banks)");
        }
        return u;
    }

    private static SerialSpec serial(String value) throws UsageException {
        if (value.equals("stdio") || value.equals("mon:stdio")) {
            return SerialSpec.STDIO;
        }
        if (value.equals("null") || value.equals("none")) {
            return new SerialSpec(SerialSpec.Kind.NULL, null);
        }
        if (value.startsWith("file:") && value.length() > 5) {
            Path p = Path.of(value.substring(5)).toAbsolutePath();
            Path dir = p.getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                throw UsageException.badValue("-serial " + value + ": folder " + dir
                        + " does not exist, expected an existing folder for the file");
            }
            return new SerialSpec(SerialSpec.Kind.FILE, Path.of(value.substring(5)));
        }
        throw UsageException.badValue("-serial " + value + ": unsupported back-end '" + value
                + "', expected stdio, mon:stdio, file:PATH, null or none");
    }

    private static void semihostingConfig(State s, String value) throws UsageException {
        for (String part : splitOptions(value)) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? "enable" : part.substring(0, eq);
            String v = eq < 0 ? part : part.substring(eq + 1);
            if (key.equals("enable")) {
                s.semihosting = parseBool("-semihosting-config " + value, key, v);
            } else if (key.equals("target")) {
                if (!v.equals("native") && !v.equals("auto")) {
                    throw UsageException.badValue("-semihosting-config " + value + ": target=" + v
                            + " is not supported, expected native or auto");
                }
            } else {
                throw UsageException.badValue("-semihosting-config " + value + ": unknown key '" + key
                        + "', expected enable or target");
            }
        }
    }

    private static Duration timeout(String text) throws UsageException {
        try {
            BigDecimal seconds = new BigDecimal(text);
            if (seconds.signum() <= 0 || seconds.compareTo(BigDecimal.valueOf(365L * 24 * 3600)) > 0) {
                throw new NumberFormatException();
            }
            return Duration.ofNanos(seconds.movePointRight(9).longValue());
        } catch (NumberFormatException e) {
            throw UsageException.badValue("--timeout " + text + ": expected a number of seconds above 0 (e.g. 30 or"
                    + " 0.5)");
        }
    }

    private static RssReportMode rssReport(String value) throws UsageException {
        if (value == null) {
            return RssReportMode.TABLE;
        }
        switch (value) {
            case "table":
                return RssReportMode.TABLE;
            case "json":
                return RssReportMode.JSON;
            case "none":
                return RssReportMode.NONE;
            default:
                throw UsageException.badValue("--rss-report=" + value + ": unknown format '" + value
                        + "', expected table, json or none");
        }
    }

    private MachineConfig finish(State s) throws UsageException {
        Optional<DriveSpec> unit0 = Optional.ofNullable(s.drives.get(0));
        FirmwareSource firmware;
        if (s.kernel == null && (s.initrd != null || s.append != null)) {
            throw UsageException.badValue((s.initrd != null ? "-initrd " + s.initrd : "-append " + s.append)
                    + ": only allowed with -kernel (as QEMU)");
        }
        if (s.kernel != null) {
            if (s.bios != null || unit0.isPresent() || s.payload != null) {
                throw UsageException.badValue("-kernel " + s.kernel + " together with "
                        + (s.bios != null ? "-bios" : unit0.isPresent() ? "-drive if=pflash,unit=0" : "--payload")
                        + ": firmware would need fw_cfg to find the kernel, which this board has not; expected"
                        + " -kernel alone (bank 1 may still have a drive)");
            }
            checkFile("-kernel", s.kernel, "a kernel Image");
            if (s.initrd != null) {
                checkFile("-initrd", s.initrd, "an initrd");
            }
            firmware = new FirmwareSource.Kernel(s.kernel, s.initrd, s.append);
        } else if (s.bios != null) {
            if (unit0.isPresent()) {
                throw UsageException.badValue("-bios " + s.bios + " and -drive if=pflash,unit=0 both give flash bank"
                        + " 0, expected one of them (QEMU: 'cannot use both options at once')");
            }
            if (s.payload != null) {
                throw UsageException.badValue("--payload " + s.payload + " and -bios " + s.bios
                        + " both give flash bank 0, expected one of them");
            }
            checkBios(s.bios);
            firmware = new FirmwareSource.Bios(s.bios);
        } else if (unit0.isPresent()) {
            if (s.payload != null) {
                throw UsageException.badValue("--payload " + s.payload + " and -drive if=pflash,unit=0 both give"
                        + " flash bank 0, expected one of them");
            }
            firmware = new FirmwareSource.PflashImage(unit0.get());
        } else {
            String name = s.payload != null ? s.payload : MachineConfig.DEFAULT_PAYLOAD;
            // dumpdtb runs nothing: the implicit default payload need not exist (a named one still must).
            boolean runs = s.dumpDtb == null || s.payload != null;
            if (runs && !payloads.contains(name)) {
                throw UsageException.badValue("--payload " + name + ": no embedded payload '" + name
                        + "', expected one of " + payloads.names());
            }
            firmware = new FirmwareSource.Payload(name);
        }
        boolean payloadRun = firmware instanceof FirmwareSource.Payload;
        List<DriveSpec> drives = new ArrayList<>(s.drives.values());
        drives.sort(Comparator.comparingInt(DriveSpec::unit));
        return new MachineConfig(s.ramSize, firmware, drives, s.serial != null ? s.serial : SerialSpec.STDIO,
                s.semihosting || payloadRun,
                s.rssReport != null ? s.rssReport : payloadRun ? RssReportMode.TABLE : RssReportMode.NONE,
                Optional.ofNullable(s.timeout), Optional.ofNullable(s.dumpDtb), s.noReboot);
    }

    private static void checkFile(String option, Path file, String what) throws UsageException {
        if (!Files.isRegularFile(file)) {
            throw UsageException.badValue(option + " " + file + ": no such file, expected " + what);
        }
    }

    private static void checkBios(Path bios) throws UsageException {
        if (!Files.isRegularFile(bios)) {
            throw UsageException.badValue("-bios " + bios + ": no such file, expected a firmware image");
        }
        long size;
        try {
            size = Files.size(bios);
        } catch (IOException e) {
            throw UsageException.badValue("-bios " + bios + ": cannot read its size (" + e.getMessage() + ")");
        }
        if (size > VirtMemoryMap.FLASH0.size()) {
            throw UsageException.badValue("-bios " + bios + ": " + size + " bytes, expected at most "
                    + VirtMemoryMap.FLASH0.size() + " (flash bank 0)");
        }
    }

    /** QEMU's option-list split: commas separate, a doubled comma is a literal comma. */
    static List<String> splitOptions(String value) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ',') {
                if (i + 1 < value.length() && value.charAt(i + 1) == ',') {
                    cur.append(',');
                    i++;
                } else {
                    parts.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        return parts;
    }

    private static boolean parseBool(String context, String key, String v) throws UsageException {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "on":
            case "yes":
            case "true":
                return true;
            case "off":
            case "no":
            case "false":
                return false;
            default:
                throw UsageException.badValue(context + ": " + key + "=" + v + " is not a switch, expected on or off");
        }
    }
}
