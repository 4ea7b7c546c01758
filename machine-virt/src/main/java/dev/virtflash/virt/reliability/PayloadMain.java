package dev.virtflash.virt.reliability;

import dev.virtflash.virt.VirtMachine;
import dev.virtflash.virt.cli.MachineRunner;
import dev.virtflash.virt.cli.PayloadCatalog;
import dev.virtflash.virt.cpu.CpuExit;
import dev.virtflash.virt.devices.ConsoleSource;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A lean launcher for tests that kill the emulator: runs embedded payload {@code NAME} from flash bank 0 (as a
 * {@code -bios} blob, so bank 0 has no image) with {@code FLASH1} as bank 1's image, and writes the guest's console
 * to standard output one complete line at a time, straight to the descriptor (a line printed is a line the parent
 * has, whatever happens next). No CLI parsing, no RSS report: it starts as fast as the JVM does.
 *
 * <pre>java -cp CLASSPATH dev.virtflash.virt.reliability.PayloadMain NAME FLASH1 [raw|qcow2]</pre>
 *
 * Exit code: the guest's ({@link CpuExit#suggestedExitCode()}); 1 with a one-line message for a bad argument or
 * image. Failed write-backs are reported on stderr as the CLI reports them.
 */
public final class PayloadMain {

    private PayloadMain() {
    }

    public static void main(String[] args) {
        int rc = run(Arrays.asList(args), new FileOutputStream(FileDescriptor.out), System.err);
        System.exit(rc);
    }

    /** Runs a payload as described above; returns the exit code. */
    public static int run(List<String> args, java.io.OutputStream console, PrintStream err) {
        if (args.size() < 2 || args.size() > 3) {
            err.println("usage: PayloadMain NAME FLASH1 [raw|qcow2]: expected 2 or 3 arguments, got " + args.size());
            return 1;
        }
        String name = args.get(0);
        Path flash1 = Path.of(args.get(1));
        String format = args.size() == 3 ? args.get(2) : null;
        LineConsoleSink sink = new LineConsoleSink(console);
        try {
            byte[] payload = PayloadCatalog.firmware().load(name).orElse(null);
            if (payload == null) {
                err.println("PayloadMain: no payload '" + name + "', expected one of "
                        + PayloadCatalog.firmware().names());
                return 1;
            }
            try (VirtMachine machine = VirtMachine.builder().bios(payload).flashImage(1, flash1, format, false)
                    .console(sink, ConsoleSource.none()).build()) {
                CpuExit exit = machine.run(null);
                sink.flush();
                if (!(exit instanceof CpuExit.SemihostingExit) && !(exit instanceof CpuExit.PowerOff)) {
                    err.println("PayloadMain: " + exit.describe());
                }
                for (String line : MachineRunner.writeBackFailures(machine)) {
                    err.println(line);
                }
                return exit.suggestedExitCode();
            }
        } catch (IOException e) {
            sink.flush();
            err.println("PayloadMain: " + e.getMessage());
            return 1;
        }
    }
}
