package dev.virtflash.app.reliability;

import dev.virtflash.virt.VirtMachine;
import dev.virtflash.app.cli.MachineRunner;
import dev.virtflash.firmware.PayloadCatalog;
import dev.virtflash.virt.cpu.CpuExit;
import dev.virtflash.virt.devices.ConsoleSource;
import dev.virtflash.testkit.ConsoleLog;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A lean launcher for tests that kill the emulator: runs embedded payload {@code NAME} from flash bank 0 (as a
 * {@code -bios} blob, so bank 0 has no image) with {@code FLASH1} as bank 1's image, and writes the guest's console
 * to standard output one complete line at a time, straight to the descriptor (a line printed is a line the parent
 * has, whatever happens next: a {@link ConsoleLog} whose echo is a line buffer over the descriptor). No CLI parsing,
 * no RSS report: it starts as fast as the JVM does.
 *
 * <pre>java -cp CLASSPATH dev.virtflash.app.reliability.PayloadMain NAME FLASH1 [raw|qcow2]</pre>
 *
 * Exit code: the guest's ({@link CpuExit#suggestedExitCode()}); 1 with a one-line message for a bad argument or
 * image. Failed write-backs are reported on stderr as the CLI reports them.
 */
public final class PayloadMain {

    /** The console bytes the log keeps: nothing here reads them, the log serves for its line-by-line echo. */
    private static final int KEPT = 4096;
    /** The echo's buffer: a line is written when it ends, or in pieces this long. */
    private static final int LINE_BUFFER = 4096;

    private PayloadMain() {
    }

    public static void main(String[] args) {
        int rc = run(Arrays.asList(args), new FileOutputStream(FileDescriptor.out), System.err);
        System.exit(rc);
    }

    /** Runs a payload as described above; returns the exit code. */
    public static int run(List<String> args, OutputStream console, PrintStream err) {
        if (args.size() < 2 || args.size() > 3) {
            err.println("usage: PayloadMain NAME FLASH1 [raw|qcow2]: expected 2 or 3 arguments, got " + args.size());
            return 1;
        }
        String name = args.get(0);
        Path flash1 = Path.of(args.get(1));
        String format = args.size() == 3 ? args.get(2) : null;
        ConsoleLog log = new ConsoleLog(KEPT, new BufferedOutputStream(console, LINE_BUFFER));
        try {
            byte[] payload = PayloadCatalog.firmware().load(name).orElse(null);
            if (payload == null) {
                err.println("PayloadMain: no payload '" + name + "', expected one of "
                        + PayloadCatalog.firmware().names());
                return 1;
            }
            try (VirtMachine machine = VirtMachine.builder().bios(payload).flashImage(1, flash1, format, false)
                    .console(log, ConsoleSource.none()).build()) {
                CpuExit exit = machine.run(null);
                log.flushEcho();
                if (!(exit instanceof CpuExit.SemihostingExit) && !(exit instanceof CpuExit.PowerOff)) {
                    err.println("PayloadMain: " + exit.describe());
                }
                for (String line : MachineRunner.writeBackFailures(machine)) {
                    err.println(line);
                }
                return exit.suggestedExitCode();
            }
        } catch (IOException e) {
            log.flushEcho();
            err.println("PayloadMain: " + e.getMessage());
            return 1;
        }
    }
}
