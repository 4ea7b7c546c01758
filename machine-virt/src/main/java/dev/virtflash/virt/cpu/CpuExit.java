package dev.virtflash.virt.cpu;

import dev.virtflash.memory.GuestAddress;
import dev.virtflash.memory.MemoryAccessException;
import java.time.Duration;
import java.util.Objects;

/**
 * Why {@link UnicornCpu#run} ended. Every variant has a one-line {@link #describe()} for users; a board maps the
 * variants to process exit codes (see {@link #suggestedExitCode()}).
 */
public sealed interface CpuExit {

    /** One line for the console, e.g. {@code guest read of 4 byte(s) at 0x... (pc 0x...): no memory there}. */
    String describe();

    /** The process exit code a command-line front end should use for this exit. */
    int suggestedExitCode();

    /**
     * The guest called Arm semihosting {@code SYS_EXIT} or {@code SYS_EXIT_EXTENDED}. QEMU's rule: with reason
     * {@code ADP_Stopped_ApplicationExit} (0x20026) the code is the subcode, with any other reason it is 1.
     *
     * @param code   the guest's exit code (QEMU passes it to {@code exit()}, so a shell sees {@code code & 0xFF})
     * @param reason the semihosting reason field, e.g. 0x20026
     */
    record SemihostingExit(int code, long reason) implements CpuExit {
        @Override
        public String describe() {
            return String.format("guest exited through semihosting with code %d (reason 0x%x)", code, reason);
        }

        @Override
        public int suggestedExitCode() {
            return code & 0xFF;
        }
    }

    /** The guest called PSCI {@code SYSTEM_OFF}. */
    record PowerOff(GuestAddress pc) implements CpuExit {
        @Override
        public String describe() {
            return "guest powered off (PSCI SYSTEM_OFF at pc " + pc + ")";
        }

        @Override
        public int suggestedExitCode() {
            return 0;
        }
    }

    /** The guest called PSCI {@code SYSTEM_RESET}; the board decides whether to reset and run again. */
    record Reset(GuestAddress pc) implements CpuExit {
        @Override
        public String describe() {
            return "guest requested a reset (PSCI SYSTEM_RESET at pc " + pc + ")";
        }

        @Override
        public int suggestedExitCode() {
            return 0;
        }
    }

    /**
     * The guest accessed an address where nothing is mapped, or fetched an instruction from a device.
     *
     * @param address the guest physical address accessed
     * @param pc      the instruction that made the access (see the package documentation for its precision)
     * @param kind    read, write or instruction fetch
     * @param size    the access size in bytes
     * @param detail  what was there, e.g. {@code no memory or device}
     */
    record AccessFault(GuestAddress address, GuestAddress pc, MemoryAccessException.Kind kind, int size,
                       String detail) implements CpuExit {
        public AccessFault {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(pc, "pc");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(detail, "detail");
        }

        @Override
        public String describe() {
            String what = kind == MemoryAccessException.Kind.FETCH ? "instruction fetch"
                    : kind.name().toLowerCase(java.util.Locale.ROOT);
            return String.format("guest %s of %d byte(s) at %s (pc %s): %s", what, size, address, pc, detail);
        }

        @Override
        public int suggestedExitCode() {
            return 2;
        }
    }

    /**
     * The guest raised a synchronous exception that the binding could not hand to the guest's own handler (no
     * vector table, an exception inside the vector table, or a kind the binding does not deliver).
     *
     * @param pc          where the exception was raised
     * @param instruction the 32-bit instruction word at {@code pc}, or -1 if it could not be read
     * @param detail      what happened and why it was not delivered
     */
    record GuestException(GuestAddress pc, long instruction, String detail) implements CpuExit {
        @Override
        public String describe() {
            String insn = instruction < 0 ? "unreadable" : String.format("0x%08x", instruction);
            return "guest exception at pc " + pc + " (instruction " + insn + "): " + detail;
        }

        @Override
        public int suggestedExitCode() {
            return 3;
        }
    }

    /** The run's time limit passed; the guest was stopped at a block boundary at {@code pc}. */
    record Timeout(GuestAddress pc, Duration limit) implements CpuExit {
        @Override
        public String describe() {
            return "guest still running after " + limit.toMillis() + " ms; stopped at pc " + pc;
        }

        @Override
        public int suggestedExitCode() {
            return 124;
        }
    }

    /** Another thread asked the CPU to stop ({@link UnicornCpu#requestStop()}); resumable at {@code pc}. */
    record Stopped(GuestAddress pc) implements CpuExit {
        @Override
        public String describe() {
            return "stopped on request at pc " + pc;
        }

        @Override
        public int suggestedExitCode() {
            return 130;
        }
    }

    /** Something failed on the host side (a device threw, Unicorn returned an error). */
    record HostError(String message, Throwable cause) implements CpuExit {
        @Override
        public String describe() {
            return "emulator error: " + message;
        }

        @Override
        public int suggestedExitCode() {
            return 70;
        }
    }
}
