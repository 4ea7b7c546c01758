package dev.virtflash.app.cli;

import dev.virtflash.firmware.PayloadCatalog;
import dev.virtflash.virt.KernelBoot;
import dev.virtflash.virt.VirtDeviceTree;
import dev.virtflash.virt.VirtMemoryMap;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code virt} command line (the process entry is {@link dev.virtflash.app.Virt}, which plugs in the subcommands):
 * a drop-in for {@code qemu-system-aarch64 -M virt} for what this board has, plus our own
 * options and the {@code img} and {@code bench} subcommands. Every mistake is one line on stderr starting with
 * {@code virt: }, exit code 1 (2 for a malformed command line), no stack trace.
 */
public final class Main {

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    static final String VERSION = "virtflash 0.1.0";

    /** Builds and runs the machine a command line describes; returns the exit code. Provided by the board. */
    @FunctionalInterface
    public interface MachineLauncher {
        int launch(MachineConfig config, PrintStream out, PrintStream err) throws Exception;
    }

    /** A subcommand ({@code img}, {@code bench}); returns the exit code. */
    @FunctionalInterface
    public interface Tool {
        int run(List<String> args, PrintStream out, PrintStream err) throws Exception;
    }

    private final PayloadCatalog payloads;
    private final MachineLauncher launcher;
    private final Map<String, Tool> tools;
    private final PrintStream out;
    private final PrintStream err;

    /**
     * @param payloads the embedded payloads
     * @param launcher runs a machine
     * @param tools    the subcommands by name ({@code img}, {@code bench}); a missing one is reported as such
     * @param out      standard output
     * @param err      standard error
     */
    public Main(PayloadCatalog payloads, MachineLauncher launcher, Map<String, Tool> tools, PrintStream out,
                PrintStream err) {
        this.payloads = Objects.requireNonNull(payloads, "payloads");
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        this.tools = Map.copyOf(tools);
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
    }

    /** Runs a command line; returns the exit code. */
    public int run(List<String> args) {
        try {
            ParsedCommand cmd = new CommandLineParser(payloads).parse(args);
            if (cmd instanceof ParsedCommand.Help) {
                out.print(usage());
                return 0;
            }
            if (cmd instanceof ParsedCommand.Version) {
                out.println(VERSION);
                return 0;
            }
            if (cmd instanceof ParsedCommand.Subcommand) {
                ParsedCommand.Subcommand sub = (ParsedCommand.Subcommand) cmd;
                Tool tool = tools.get(sub.name());
                if (tool == null) {
                    err.println("virt: subcommand '" + sub.name() + "' is not available in this build");
                    return 1;
                }
                return tool.run(sub.args(), out, err);
            }
            MachineConfig config = ((ParsedCommand.Run) cmd).config();
            if (config.dumpDtb().isPresent()) {
                return dumpDtb(config, config.dumpDtb().get());
            }
            return launcher.launch(config, out, err);
        } catch (UsageException e) {
            err.println("virt: " + e.getMessage());
            return e.exitCode();
        } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
            err.println("virt: " + e.getMessage());
            LOG.debug("failure", e);
            return 1;
        } catch (Exception e) {
            err.println("virt: internal error: " + e + " (the stack trace is logged at DEBUG:"
                    + " -Dorg.slf4j.simpleLogger.defaultLogLevel=debug)");
            LOG.debug("internal error", e);
            return 1;
        }
    }

    /** {@code -M virt,dumpdtb=FILE}: writes the device tree and exits, as QEMU. */
    private int dumpDtb(MachineConfig config, Path file) throws IOException {
        VirtDeviceTree.Builder dt = VirtDeviceTree.builder().ramSize(config.ramSize());
        if (config.firmware() instanceof FirmwareSource.Kernel k) {
            // as QEMU: the tree handed to the kernel, with /chosen bootargs and the initrd's place
            KernelBoot boot = MachineRunner.kernelBoot(k);
            KernelBoot.Layout layout = boot.layout(VirtMemoryMap.RAM.base(), config.ramSize());
            dt.bootargs(boot.commandLine());
            if (boot.hasInitrd()) {
                dt.initrd(layout.initrdStart(), layout.initrdEnd());
            }
        }
        byte[] blob = dt.build().blob();
        try {
            Files.write(file, blob);
        } catch (IOException e) {
            throw new IOException("-M virt,dumpdtb=" + file + ": cannot write the device tree (" + e + ")", e);
        }
        err.println("virt: info: dtb dumped to " + file + ". Exiting.");
        return 0;
    }

    static String usage() {
        return String.join("\n",
                VERSION + ": QEMU's arm virt board, flash subsystem",
                "",
                "usage: virt [options]              boot (default: the embedded 'default' payload)",
                "       virt img SUBCOMMAND ...     image tools (virt img --help)",
                "       virt bench load [--rounds N] [--dir DIR]    flash load benchmark (reader vs whole read)",
                "       virt bench board [--help]   ours vs qemu-system-aarch64: flash and process RSS, run time",
                "       virt bench density [--boards N]   many boards in one JVM vs one QEMU process per board",
                "",
                "QEMU options (qemu-system-aarch64 spelling; -opt and --opt both work):",
                "  -M|-machine virt[,dumpdtb=FILE][,flash-semantics=real-nor|qemu-7.2][,mem-merge=on|off]",
                "                                   the board; dumpdtb writes the device tree and exits;",
                "                                   flash-semantics=qemu-7.2: program overwrites and 0x50 clears",
                "                                   SR.7 as QEMU 7.2 does (default real-nor: AND, SR.7 kept);",
                "                                   mem-merge (default on): every second while the guest idles,",
                "                                   every five while it runs, RAM's zero pages are given back",
                "                                   and pages alike kept once",
                "  -cpu cortex-a57                  the CPU",
                "  -m SIZE                          RAM, suffix B/K/M/G/T (default unit M; default 128M)",
                "  -bios FILE                       firmware copied into flash bank 0 (not saved back)",
                "  -kernel Image [-initrd FILE] [-append STRING]   boot a Linux arm64 Image as QEMU's -kernel",
                "  -smp 1, -no-reboot               one CPU; a guest reset ends the run",
                "  -drive if=pflash,unit=N,format=raw|qcow2,file=PATH[,readonly=on]",
                "                                   image of flash bank N (0 or 1), 64 MiB",
                "  -serial stdio|mon:stdio|file:PATH|null|none   the console (default stdio; on a terminal",
                "                                   keys go to the guest as typed, Ctrl-A x quits)",
                "  -nographic, -display none        accepted (there is no display)",
                "  -nic none, -monitor none         accepted (there is no network, no monitor)",
                "  -semihosting                     Arm semihosting (payload exit code, console)",
                "  -semihosting-config enable=on|off[,target=native|auto]",
                "  -accel tcg[,tb-size=MIB]         the CPU's translation buffer (default 4 MiB)",
                "",
                "Our options:",
                "  --payload NAME                   run embedded payload NAME in bank 0 (default: default)",
                "  --rss-report[=table|json|none]   print the flash RSS report after the run",
                "                                   (default: table for a payload run, none otherwise)",
                "  --timeout SECONDS                stop the guest after SECONDS, exit non-zero",
                "  --help, --version",
                "",
                "Exit code: the guest's (semihosting SYS_EXIT), 1 for an error, 2 for a malformed command line.",
                "");
    }
}
