package dev.virtflash.app.cli;

import dev.virtflash.virt.VirtMachine;
import dev.virtflash.virt.VirtMemoryMap;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import dev.virtflash.hw.pflash.FlashSemantics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The values of {@code virt}'s options, each read and checked on its own: QEMU's comma-separated {@code key=value}
 * lists ({@code -machine}, {@code -drive}, {@code -accel}, {@code -semihosting-config}), sizes, the serial back-end, our
 * {@code --timeout} and {@code --rss-report}. {@link CommandLineParser} walks the words and keeps what these return.
 * Every mistake is a {@link UsageException} whose one-line message starts with the option as the user wrote it.
 */
final class OptionValues {

    private static final Set<String> DRIVE_KEYS = Set.of("if", "unit", "index", "format", "file", "readonly");
    private static final List<String> DRIVE_KEYS_IN_ORDER = List.of("if", "unit", "index", "format", "file",
            "readonly");
    /** The smallest RAM: the device tree takes its first 1 MiB. */
    static final long MIN_RAM = 1L << 20;
    /** QEMU rounds {@code -m} up to a multiple of this. */
    static final long RAM_ALIGN = 8192;

    private OptionValues() {
    }

    /**
     * What {@code -M}/{@code -machine} sets: the dumpdtb file ({@code null}: none), how the flash banks behave and
     * whether RAM is merged.
     */
    record MachineProperties(Path dumpDtb, FlashSemantics flashSemantics, boolean memMerge) {
    }

    /**
     * {@code -M}/{@code -machine virt[,dumpdtb=FILE][,flash-semantics=real-nor|qemu-7.2][,mem-merge=on|off]}:
     * returns {@code previous}
     * with what {@code value} gives.
     */
    static MachineProperties machine(String option, String value, MachineProperties previous) throws UsageException {
        Path dtb = previous.dumpDtb();
        FlashSemantics semantics = previous.flashSemantics();
        boolean memMerge = previous.memMerge();
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
                    dtb = Path.of(v);
                    break;
                case "flash-semantics":
                    semantics = FlashSemantics.parse(v).orElseThrow(() -> UsageException.badValue(option + " "
                            + value + ": flash-semantics '" + v + "', expected " + FlashSemantics.spellings()));
                    break;
                case "mem-merge":
                    memMerge = parseBool(option, key, v);
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
                            + "', expected dumpdtb, flash-semantics, mem-merge, secure=off or virtualization=off");
            }
        }
        if (!typeSeen) {
            throw UsageException.badValue(option + " " + value + ": no machine type, expected "
                    + MachineConfig.MACHINE);
        }
        return new MachineProperties(dtb, semantics, memMerge);
    }

    /**
     * {@code -accel tcg[,tb-size=N]}: the only accelerator is TCG (Unicorn's); {@code tb-size} is the translated-code
     * buffer in MiB, as QEMU spells it.
     */
    static int accel(String value, int tbSizeMiB) throws UsageException {
        int tb = tbSizeMiB;
        boolean typeSeen = false;
        for (String part : splitOptions(value)) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? "accel" : part.substring(0, eq);
            String v = eq < 0 ? part : part.substring(eq + 1);
            switch (key) {
                case "accel":
                    if (typeSeen || !v.equals("tcg")) {
                        throw UsageException.badValue("-accel " + value + ": unsupported accelerator '" + v
                                + "', expected tcg");
                    }
                    typeSeen = true;
                    break;
                case "tb-size":
                    try {
                        tb = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        tb = -1;
                    }
                    if (tb < 1 || tb > VirtMachine.MAX_TRANSLATION_BUFFER_MIB) {
                        throw UsageException.badValue("-accel " + value + ": tb-size '" + v + "', expected a number"
                                + " of MiB from 1 to " + VirtMachine.MAX_TRANSLATION_BUFFER_MIB);
                    }
                    break;
                default:
                    throw UsageException.badValue("-accel " + value + ": unknown accelerator property '" + key
                            + "', expected tb-size");
            }
        }
        if (!typeSeen) {
            throw UsageException.badValue("-accel " + value + ": no accelerator, expected tcg");
        }
        return tb;
    }

    static long ramSize(String value) throws UsageException {
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

    /** {@code -drive if=pflash,...}: the drive, given the drives seen so far (by unit). */
    static DriveSpec drive(Map<Integer, DriveSpec> drives, String value) throws UsageException {
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
            while (drives.containsKey(unit)) {
                unit++;
            }
            if (unit >= MachineConfig.FLASH_BANKS) {
                throw UsageException.badValue("-drive " + value + ": both pflash units are taken, expected at most "
                        + MachineConfig.FLASH_BANKS + " pflash drives");
            }
        }
        if (drives.containsKey(unit)) {
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
        return new DriveSpec(unit, path, format, readOnly);
    }

    static Integer unit(String value, String key, String text) throws UsageException {
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

    static SerialSpec serial(String value) throws UsageException {
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

    /** {@code -semihosting-config enable=on|off[,target=native|auto]}: whether semihosting is on afterwards. */
    static boolean semihostingConfig(String value, boolean enabled) throws UsageException {
        boolean on = enabled;
        for (String part : splitOptions(value)) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? "enable" : part.substring(0, eq);
            String v = eq < 0 ? part : part.substring(eq + 1);
            if (key.equals("enable")) {
                on = parseBool("-semihosting-config " + value, key, v);
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
        return on;
    }

    static Duration timeout(String text) throws UsageException {
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

    static RssReportMode rssReport(String value) throws UsageException {
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

    /** A file an option names must exist and be a regular file. */
    static void checkFile(String option, Path file, String what) throws UsageException {
        if (!Files.isRegularFile(file)) {
            throw UsageException.badValue(option + " " + file + ": no such file, expected " + what);
        }
    }

    static void checkBios(Path bios) throws UsageException {
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

    static boolean parseBool(String context, String key, String v) throws UsageException {
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
