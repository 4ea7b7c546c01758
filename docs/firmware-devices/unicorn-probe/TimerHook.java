package spike;
import com.sun.jna.*;
import com.sun.jna.ptr.*;
import java.nio.file.*;
public final class TimerHook {
    public interface SysHook extends Callback { int invoke(long uc, int reg, Pointer cp, long ud); }
    static { Native.register(TimerHook.class, NativeLibrary.getInstance("unicorn")); }
    static native int uc_hook_add(Pointer uc, LongByReference hh, int type, SysHook cb, Pointer ud, long begin, long end, int insn);
    public static void main(String[] a) throws Exception {
        try (Uc.Engine e = new Uc.Engine(0)) {
            e.map(0x40000000L, 2 << 20, Uc.UC_PROT_ALL);
            e.write(0x40000000L, Files.readAllBytes(Path.of("guest/rw.bin")));
            long[] calls = new long[2];
            SysHook msr = (uc, reg, cp, ud) -> {
                calls[0]++;
                System.out.printf("  MSR hook: reg=%d crn=%d crm=%d op0=%d op1=%d op2=%d val=0x%x%n", reg, cp.getInt(0), cp.getInt(4), cp.getInt(8), cp.getInt(12), cp.getInt(16), cp.getLong(24));
                return 0; // not handled: let unicorn do it
            };
            SysHook mrs = (uc, reg, cp, ud) -> {
                calls[1]++;
                System.out.printf("  MRS hook: reg=%d crn=%d crm=%d op0=%d op1=%d op2=%d%n", reg, cp.getInt(0), cp.getInt(4), cp.getInt(8), cp.getInt(12), cp.getInt(16));
                if (cp.getInt(0) == 14 && cp.getInt(4) == 3 && cp.getInt(16) == 1) { // CNTV_CTL: answer 5 ourselves
                    e.reg(reg, 5); return 1;
                }
                return 0;
            };
            LongByReference h1 = new LongByReference(), h2 = new LongByReference();
            System.out.println("add MSR hook -> " + uc_hook_add(e.h, h1, Uc.UC_HOOK_INSN, msr, null, 1, 0, 2));
            System.out.println("add MRS hook -> " + uc_hook_add(e.h, h2, Uc.UC_HOOK_INSN, mrs, null, 1, 0, 1));
            int err = e.start(0x40000000L, 0x40000004L, 0, 0);
            System.out.println("err=" + err + " calls msr=" + calls[0] + " mrs=" + calls[1] + " x10(ctl read)=" + e.x(10) + " x12(cval after msr)=0x" + Long.toHexString(e.x(12)) + " x13(ctl)=" + e.x(13));
        }
    }
}
