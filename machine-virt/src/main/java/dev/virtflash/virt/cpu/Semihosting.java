package dev.virtflash.virt.cpu;

import dev.virtflash.memory.GuestAddress;
import dev.virtflash.virt.devices.ConsoleSink;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Arm semihosting for A64 guests, the subset QEMU payloads use to print and to end a run. The call is
 * {@code HLT #0xF000} with the operation in W0 and a parameter in X1; Unicorn 2.1.1 reports the HLT as an undefined
 * instruction (exception index 1) with PC at the HLT, so the binding decodes the instruction, emulates the call here
 * and resumes after the HLT.
 *
 * <p>Not emulated: every operation other than {@code SYS_WRITEC}, {@code SYS_WRITE0}, {@code SYS_EXIT} and
 * {@code SYS_EXIT_EXTENDED} (file I/O, clock, heap info, command line...). QEMU aborts on an operation it does not
 * know; here an unsupported operation ends the run with a report naming it. A32/T32 semihosting (SVC/BKPT) is not
 * recognised.
 */
final class Semihosting {

    /** {@code HLT #0xF000}: the A64 semihosting trap. */
    static final int HLT_SEMIHOSTING = 0xD45E_0000;

    /** Write the byte at [X1] to the console. */
    static final int SYS_WRITEC = 0x03;
    /** Write the NUL-terminated string at X1 to the console. */
    static final int SYS_WRITE0 = 0x04;
    /** End the run; on A64, X1 points to {reason, subcode} (8 bytes each). */
    static final int SYS_EXIT = 0x18;
    /** End the run with {reason, subcode} at X1 (same block as A64 SYS_EXIT). */
    static final int SYS_EXIT_EXTENDED = 0x20;
    /** The reason for a normal application exit; the subcode is then the exit code. */
    static final long ADP_STOPPED_APPLICATION_EXIT = 0x20026;

    /** Longest string SYS_WRITE0 copies before giving up on finding its end. */
    static final int WRITE0_LIMIT = 1 << 20;
    private static final int CHUNK = 256;

    private static final Logger LOG = LoggerFactory.getLogger(Semihosting.class);

    private final ConsoleSink console;

    Semihosting(ConsoleSink console) {
        this.console = console;
    }

    /**
     * Emulates the call at {@code pc} and moves PC past the HLT.
     *
     * @return how the run ends, or {@code null} to continue
     */
    CpuExit call(UnicornEngine engine, long pc, GuestReads reads) {
        int op = (int) engine.x(0);
        long param = engine.x(1);
        if (LOG.isDebugEnabled()) { // SYS_WRITEC is one call per character
            LOG.debug("semihosting call 0x{} with parameter 0x{} at pc 0x{}", Integer.toHexString(op),
                    Long.toHexString(param), Long.toHexString(pc));
        }
        CpuExit result;
        switch (op) {
            case SYS_WRITEC: {
                byte[] b = new byte[1];
                result = reads.read(param, b, pc);
                if (result == null) {
                    console.write(b);
                }
                break;
            }
            case SYS_WRITE0:
                result = write0(param, pc, reads);
                break;
            case SYS_EXIT:
            case SYS_EXIT_EXTENDED: {
                byte[] block = new byte[16];
                result = reads.read(param, block, pc);
                if (result == null) {
                    ByteBuffer bb = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
                    long reason = bb.getLong(0);
                    long subcode = bb.getLong(8);
                    int code = reason == ADP_STOPPED_APPLICATION_EXIT ? (int) subcode : 1;
                    result = new CpuExit.SemihostingExit(code, reason);
                }
                break;
            }
            default:
                return new CpuExit.GuestException(new GuestAddress(pc), HLT_SEMIHOSTING & 0xFFFF_FFFFL,
                        String.format("unsupported semihosting operation 0x%x (supported: SYS_WRITEC 0x03, "
                                + "SYS_WRITE0 0x04, SYS_EXIT 0x18, SYS_EXIT_EXTENDED 0x20)", op));
        }
        engine.pc(pc + 4);
        return result;
    }

    private CpuExit write0(long address, long pc, GuestReads reads) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[CHUNK];
        long at = address;
        while (out.size() < WRITE0_LIMIT) {
            // Read up to the next CHUNK boundary so a string ending just before unmapped memory still works.
            int n = (int) (CHUNK - (at & (CHUNK - 1)));
            byte[] part = n == CHUNK ? chunk : new byte[n];
            CpuExit fault = reads.read(at, part, pc);
            if (fault != null) {
                return fault;
            }
            for (int i = 0; i < n; i++) {
                if (part[i] == 0) {
                    out.write(part, 0, i);
                    console.write(out.toByteArray());
                    return null;
                }
            }
            out.write(part, 0, n);
            at += n;
        }
        LOG.warn("semihosting SYS_WRITE0 at pc 0x{}: no NUL within {} bytes of 0x{}; output cut",
                Long.toHexString(pc), WRITE0_LIMIT, Long.toHexString(address));
        console.write(out.toByteArray());
        return null;
    }

    /** Reads guest memory on behalf of a trap handler. */
    @FunctionalInterface
    interface GuestReads {
        /** Fills {@code dst} from guest address {@code address}; returns an access fault, or null on success. */
        CpuExit read(long address, byte[] dst, long pc);
    }
}
