package dev.virtflash.app.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The real firmware the board benchmark boots to its prompt: where Debian installs it, the command line both emulators
 * get, and the keys a person presses on the way (measured on QEMU, {@code docs/firmware-devices.md}).
 */
enum Firmware {

    /** Debian's U-Boot for QEMU from {@code -bios}, an empty flash1 for its environment; a key stops autoboot. */
    UBOOT("uboot", "U-Boot", "=> ", List.of(new Step("Hit any key to stop autoboot", " "))),

    /**
     * Debian's AAVMF: the code read-only in flash0, a variable store already built in flash1. Enter right after the
     * second screen clear skips BDS's 5-second wait; a key skips the Shell's {@code startup.nsh} countdown.
     */
    EDK2("edk2", "AAVMF", "Shell> ", List.of(new Step("\u001b[=3h\u001b[2J", "\r"), new Step("startup.nsh", " "))),

    /**
     * Not firmware: Debian's arm64 kernel with a busybox initramfs ({@code scripts/linux-guest.sh}), booted with
     * {@code -kernel}, to the shell's prompt; an empty flash1.
     */
    LINUX("linux", "Linux", "/ # ", List.of());

    /** Debian's {@code u-boot-qemu}. */
    static final Path UBOOT_BIN = Path.of("/usr/lib/u-boot/qemu_arm64/u-boot.bin");
    /** Debian's {@code qemu-efi-aarch64}. */
    static final Path AAVMF_CODE = Path.of("/usr/share/AAVMF/AAVMF_CODE.fd");
    /** Where {@code scripts/linux-guest.sh} leaves the kernel and the initramfs. */
    static final Path LINUX_DIR = Path.of(System.getProperty("user.home"), ".cache", "virtflash", "linux-guest");

    /** Wait for {@code text} on the console, then type {@code keys}. */
    record Step(String text, String keys) {
    }

    private final String label;
    private final String title;
    private final String prompt;
    private final List<Step> steps;

    Firmware(String label, String title, String prompt, List<Step> steps) {
        this.label = label;
        this.title = title;
        this.prompt = prompt;
        this.steps = steps;
    }

    /** The name in {@code --firmware}. */
    String label() {
        return label;
    }

    String title() {
        return title;
    }

    /** What the console ends with once the firmware waits for a command. */
    String prompt() {
        return prompt;
    }

    List<Step> steps() {
        return steps;
    }

    /** The image this firmware boots from. */
    Path image() {
        return this == UBOOT ? UBOOT_BIN : this == EDK2 ? AAVMF_CODE : LINUX_DIR.resolve("Image");
    }

    /** How the boot is set up, for the table's title. */
    String setup() {
        switch (this) {
            case UBOOT:
                return "-bios u-boot.bin, empty flash1, a key at \"Hit any key\"";
            case EDK2:
                return "AAVMF_CODE.fd read-only in flash0, a built store in flash1, Enter and a key";
            default:
                return "Debian's arm64 kernel, -kernel -initrd busybox -append console=ttyAMA0, empty flash1";
        }
    }

    /** The command that powers the machine off from the prompt. */
    String powerOff() {
        return this == UBOOT ? "poweroff\r" : this == EDK2 ? "reset -s\r" : "poweroff -f\r";
    }

    /**
     * The board options both emulators get (QEMU's spelling).
     *
     * @param flash1 the flash1 image: empty for U-Boot, a built variable store for AAVMF
     */
    List<String> boardOptions(Path flash1) {
        List<String> common = List.of("-M", "virt", "-cpu", "cortex-a57", "-m", "128M", "-nographic", "-nic", "none");
        String bank1 = "if=pflash,unit=1,format=raw,file=" + flash1;
        if (this == UBOOT) {
            return concat(common, List.of("-bios", UBOOT_BIN.toString(), "-drive", bank1));
        }
        if (this == LINUX) {
            return concat(common, List.of("-smp", "1", "-no-reboot", "-kernel", image().toString(), "-initrd",
                    LINUX_DIR.resolve("initramfs.cpio.gz").toString(), "-append", "console=ttyAMA0", "-drive",
                    bank1));
        }
        return concat(common, List.of("-drive", "if=pflash,unit=0,format=raw,readonly=on,file=" + AAVMF_CODE,
                "-drive", bank1));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    /** The firmware called {@code label} in {@code --firmware}. */
    static Firmware of(String label) {
        for (Firmware f : values()) {
            if (f.label.equals(label.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("--firmware " + label + ": expected uboot, edk2 or linux");
    }
}
