package dev.virtflash.app;

import dev.virtflash.app.bench.BoardBench;
import dev.virtflash.app.bench.DensityBench;
import dev.virtflash.app.bench.LoadBench;
import dev.virtflash.app.cli.Main;
import dev.virtflash.app.cli.MachineRunner;
import dev.virtflash.app.cli.Terminal;
import dev.virtflash.app.img.ImgCommand;
import dev.virtflash.firmware.PayloadCatalog;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The {@code virt} program ({@code ./virt}): wires the command line ({@link Main}) to the board runner and to the
 * subcommands {@code img} and {@code bench}. It is the one class that knows every part of the application, so the
 * parts do not know each other: the command line does not import the benchmarks, which start {@code virt} in child
 * JVMs by this class's name ({@link BoardBench#VIRT_MAIN_CLASS}).
 */
public final class Virt {

    private Virt() {
    }

    public static void main(String[] args) {
        PayloadCatalog payloads = PayloadCatalog.firmware();
        Map<String, Main.Tool> tools = Map.of(
                "img", ImgCommand::run,
                "bench", Virt::bench);
        Main main = new Main(payloads, new MachineRunner(payloads, System.in, Terminal.stty(), null), tools, System.out,
                System.err);
        int rc = main.run(Arrays.asList(args));
        System.out.flush();
        System.exit(rc);
    }

    /** {@code virt bench load|board|density ...}. */
    static int bench(List<String> args, PrintStream out, PrintStream err) throws Exception {
        String which = args.isEmpty() ? "" : args.get(0);
        List<String> rest = args.isEmpty() ? List.of() : args.subList(1, args.size());
        switch (which) {
            case "load":
                return LoadBench.run(rest, out);
            case "board":
                return BoardBench.run(rest, out, err);
            case "density":
                return DensityBench.run(rest, out, err);
            default:
                err.println("virt: bench " + (which.isEmpty() ? "needs a benchmark" : "'" + which + "' is unknown")
                        + ", expected bench load, bench board or bench density");
                return 2;
        }
    }
}
