package dev.virtflash.app.cli;

import dev.virtflash.firmware.PayloadCatalog;
import dev.virtflash.hw.pflash.FlashSemantics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
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
 * <p>QEMU options:
 * {@code -M}/{@code -machine virt[,dumpdtb=FILE][,flash-semantics=real-nor|qemu-7.2][,mem-merge=on|off]}
 * ({@code flash-semantics} is ours: QEMU 7.2's flash behaviour for bit-exact comparisons), {@code -cpu cortex-a57},
 * {@code -m SIZE}, {@code -bios FILE}, {@code -kernel FILE}, {@code -initrd FILE}, {@code -append STRING},
 * {@code -smp 1}, {@code -no-reboot}, {@code -drive if=pflash,...}, {@code -serial stdio|mon:stdio|file:PATH|null|none},
 * {@code -nographic}, {@code -display none}, {@code -nic none}, {@code -monitor none}, {@code -semihosting},
 * {@code -semihosting-config enable=on|off[,target=native|auto]}, {@code -accel tcg[,tb-size=MIB]}.
 * Ours: {@code --payload NAME}, {@code --rss-report[=table|json|none]}, {@code --timeout SECONDS}, {@code --help},
 * {@code --version}; the first argument {@code img} or {@code bench} starts a subcommand.
 */
public final class CommandLineParser {

    private static final Set<String> SUBCOMMANDS = Set.of("img", "bench");
    /** QEMU options that take a value. */
    private static final Set<String> QEMU_WITH_VALUE = Set.of("M", "machine", "cpu", "m", "bios", "drive", "serial",
            "display", "semihosting-config", "nic", "monitor", "accel", "kernel", "initrd", "append", "smp");
    /** QEMU options that are flags. */
    private static final Set<String> QEMU_FLAGS = Set.of("nographic", "semihosting", "no-reboot");

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
                    s.timeout = OptionValues.timeout(inlineValue != null ? inlineValue : value(args, i++, "--timeout", "30"));
                    break;
                case "rss-report":
                    s.rssReport = OptionValues.rssReport(inlineValue);
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
        OptionValues.MachineProperties machine = new OptionValues.MachineProperties(null,
                FlashSemantics.REAL_NOR, true);
        Path kernel;
        Path initrd;
        String append;
        boolean noReboot;
        int tbSizeMiB = MachineConfig.DEFAULT_TB_SIZE_MIB;
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
            case "accel":
                return "tcg,tb-size=4";
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
                s.machine = OptionValues.machine(option, value, s.machine);
                break;
            case "-cpu":
                if (!value.equals(MachineConfig.CPU)) {
                    throw UsageException.badValue("-cpu " + value + ": unsupported CPU '" + value + "', expected "
                            + MachineConfig.CPU);
                }
                break;
            case "-m":
                s.ramSize = OptionValues.ramSize(value);
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
                DriveSpec drive = OptionValues.drive(s.drives, value);
                s.drives.put(drive.unit(), drive);
                break;
            case "-serial":
                if (s.serial != null) {
                    throw UsageException.badValue("-serial " + value + ": a second -serial, but virt has one UART"
                            + " here (expected at most one -serial)");
                }
                s.serial = OptionValues.serial(value);
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
            case "-accel":
                s.tbSizeMiB = OptionValues.accel(value, s.tbSizeMiB);
                break;
            default: // -semihosting-config
                s.semihosting = OptionValues.semihostingConfig(value, s.semihosting);
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
            // A unit 0 drive is only flash here: QEMU would run it as firmware and hand the kernel over fw_cfg,
            // which this board has not, so the kernel boots directly whether or not bank 0 has an image.
            if (s.bios != null || s.payload != null) {
                throw UsageException.badValue("-kernel " + s.kernel + " together with "
                        + (s.bios != null ? "-bios" : "--payload")
                        + ": firmware would need fw_cfg to find the kernel, which this board has not; expected"
                        + " -kernel without firmware (both banks may still have a drive)");
            }
            OptionValues.checkFile("-kernel", s.kernel, "a kernel Image");
            if (s.initrd != null) {
                OptionValues.checkFile("-initrd", s.initrd, "an initrd");
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
            OptionValues.checkBios(s.bios);
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
            boolean runs = s.machine.dumpDtb() == null || s.payload != null;
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
                Optional.ofNullable(s.timeout), Optional.ofNullable(s.machine.dumpDtb()), s.tbSizeMiB, s.noReboot,
                s.machine.flashSemantics(), s.machine.memMerge());
    }

}
