package dev.virtflash.app.cli;

import dev.virtflash.hw.pflash.FlashSemantics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a command line says about the machine to build and run: immutable, validated by
 * {@link CommandLineParser} (files exist, no conflicts), consumed by the board's builder.
 *
 * @param ramSize     bytes of RAM ({@code -m}; default 128 MiB, rounded up to 8 KiB as QEMU does)
 * @param firmware    what bank 0 starts with
 * @param drives      the {@code -drive if=pflash} images, at most one per unit, sorted by unit
 * @param serial      where the console goes
 * @param semihosting whether Arm semihosting ({@code HLT #0xF000}) is on: {@code -semihosting}, or implied when an
 *                    embedded payload runs (our payloads end through {@code SYS_EXIT})
 * @param rssReport   whether and how to print the flash RSS report (default: the table when an embedded payload
 *                    runs, none otherwise)
 * @param timeout     stop the guest after this long ({@code --timeout}), or none
 * @param dumpDtb     {@code -M virt,dumpdtb=FILE}: write the device tree there and exit without running
 * @param translationBufferMiB {@code -accel tcg,tb-size=N}: MiB of the CPU's translated-code buffer, or
 *                    {@link #DEFAULT_TB_SIZE_MIB} for the board's default (4, and 16 for a {@code -kernel} boot)
 * @param noReboot    {@code -no-reboot}: a guest reset ends the run (exit code 0), as QEMU
 * @param flashSemantics {@code -M virt,flash-semantics=real-nor|qemu-7.2}: real NOR (the default) or QEMU 7.2's
 *                    program overwrite and clear-status
 * @param memMerge    {@code -M virt,mem-merge=on|off}: whether RAM is merged, zero pages given back and pages
 *                    alike kept once (default on)
 */
public record MachineConfig(long ramSize, FirmwareSource firmware, List<DriveSpec> drives, SerialSpec serial,
                            boolean semihosting, RssReportMode rssReport, Optional<Duration> timeout,
                            Optional<Path> dumpDtb, int translationBufferMiB, boolean noReboot,
                            FlashSemantics flashSemantics, boolean memMerge) {

    /** The machine type we emulate. */
    public static final String MACHINE = "virt";
    /** The CPU model we emulate. */
    public static final String CPU = "cortex-a57";
    /** Default {@code -m}: 128 MiB, QEMU's default for virt. */
    public static final long DEFAULT_RAM_SIZE = 128L << 20;
    /** Number of pflash banks. */
    public static final int FLASH_BANKS = 2;
    /** The payload run when no firmware is given. */
    public static final String DEFAULT_PAYLOAD = "default";
    /** No {@code tb-size} given: the board's default for the boot. */
    public static final int DEFAULT_TB_SIZE_MIB = 0;

    public MachineConfig {
        Objects.requireNonNull(firmware, "firmware");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(rssReport, "rssReport");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(dumpDtb, "dumpDtb");
        Objects.requireNonNull(flashSemantics, "flashSemantics");
        drives = List.copyOf(drives);
        for (int i = 1; i < drives.size(); i++) {
            if (drives.get(i - 1).unit() >= drives.get(i).unit()) {
                throw new IllegalArgumentException("drives must have distinct units in ascending order: " + drives);
            }
        }
        if (ramSize <= 0) {
            throw new IllegalArgumentException("RAM size " + ramSize + ", expected > 0");
        }
    }

    /** What a bare {@code virt} runs: the default payload, 128 MiB, stdio, semihosting, the report table. */
    public static MachineConfig defaults() {
        return new MachineConfig(DEFAULT_RAM_SIZE, new FirmwareSource.Payload(DEFAULT_PAYLOAD), List.of(),
                SerialSpec.STDIO, true, RssReportMode.TABLE, Optional.empty(), Optional.empty(), DEFAULT_TB_SIZE_MIB,
                false, FlashSemantics.REAL_NOR, true);
    }

    /** The drive of flash bank {@code unit}, if one was given. */
    public Optional<DriveSpec> drive(int unit) {
        for (DriveSpec d : drives) {
            if (d.unit() == unit) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
