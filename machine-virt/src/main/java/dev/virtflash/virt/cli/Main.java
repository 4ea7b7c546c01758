package dev.virtflash.virt.cli;

/**
 * The {@code virt} command. For now it prints its version and usage; the board arrives with the machine-virt work.
 */
public final class Main {

    static final String VERSION = "virtflash 0.1.0";

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-version"))) {
            System.out.println(VERSION);
            return 0;
        }
        System.out.println(VERSION + " - an emulator of the flash subsystem of QEMU's arm virt board");
        System.out.println("usage: virt [--version]");
        return args.length == 0 || args[0].equals("--help") || args[0].equals("-h") ? 0 : 2;
    }
}
