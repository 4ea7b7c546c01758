package dev.virtflash.virt.cpu;

import dev.virtflash.memory.GuestAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PSCI firmware interface as QEMU provides it to a guest on {@code virt} (function ID in X0, result in X0),
 * reduced to one CPU: version, features, MIGRATE_INFO_TYPE (no Trusted OS), system off and system reset. QEMU
 * answers with its own PSCI emulation for a guest at EL1 through HVC; here both HVC and SMC reach it.
 *
 * <p>Not emulated: CPU_ON/CPU_OFF/CPU_SUSPEND/AFFINITY_INFO/MIGRATE (one core, no power states); they answer
 * NOT_SUPPORTED like any unknown function.
 */
final class Psci {

    static final long PSCI_VERSION = 0x8400_0000L;
    static final long MIGRATE_INFO_TYPE = 0x8400_0006L;
    static final long SYSTEM_OFF = 0x8400_0008L;
    static final long SYSTEM_RESET = 0x8400_0009L;
    static final long PSCI_FEATURES = 0x8400_000AL;

    /** PSCI 1.1: major 1 in bits [31:16], minor 1 in [15:0]. */
    static final long VERSION_1_1 = 0x0001_0001L;
    static final long SUCCESS = 0;
    static final long NOT_SUPPORTED = -1;
    /** MIGRATE_INFO_TYPE: no Trusted OS that would need migrating (QEMU's answer). */
    static final long TOS_MIGRATION_NOT_REQUIRED = 2;

    private static final Logger LOG = LoggerFactory.getLogger(Psci.class);

    private Psci() {
    }

    /**
     * Answers the call made by the HVC/SMC at {@code callPc}; the caller has already set PC to the next instruction.
     *
     * @return how the run ends, or {@code null} to continue
     */
    static CpuExit call(UnicornEngine engine, long callPc) {
        long function = engine.x(0);
        if (LOG.isDebugEnabled()) {
            LOG.debug("PSCI call 0x{} at pc 0x{}", Long.toHexString(function), Long.toHexString(callPc));
        }
        if (function == PSCI_VERSION) {
            engine.x(0, VERSION_1_1);
        } else if (function == PSCI_FEATURES) {
            long asked = engine.x(1);
            boolean known = asked == PSCI_VERSION || asked == SYSTEM_OFF || asked == SYSTEM_RESET
                    || asked == PSCI_FEATURES || asked == MIGRATE_INFO_TYPE;
            engine.x(0, known ? SUCCESS : NOT_SUPPORTED);
        } else if (function == MIGRATE_INFO_TYPE) {
            engine.x(0, TOS_MIGRATION_NOT_REQUIRED);
        } else if (function == SYSTEM_OFF) {
            return new CpuExit.PowerOff(new GuestAddress(callPc));
        } else if (function == SYSTEM_RESET) {
            return new CpuExit.Reset(new GuestAddress(callPc));
        } else {
            engine.x(0, NOT_SUPPORTED);
        }
        return null;
    }
}
