package spike;

import java.nio.file.Files;
import java.nio.file.Path;

public final class TimerProbe {
    static final long CODE = 0x40000000L, DONE = CODE + 4;
    static String h(long v) { return v == Long.MIN_VALUE ? "UC_ERR" : "0x" + Long.toHexString(v); }

    static Uc.Engine fresh() throws Exception {
        Uc.Engine e = new Uc.Engine(Uc.UC_CPU_ARM64_A57);
        e.map(CODE, 2 << 20, Uc.UC_PROT_ALL);
        e.write(CODE, Files.readAllBytes(Path.of("guest/t.bin")));
        e.reg(Uc.REG_SP, CODE + (2 << 20) - 16);
        return e;
    }

    public static void main(String[] a) throws Exception {
        int[] ver = new int[1];
        System.out.println("unicorn version 0x" + Integer.toHexString(Uc.uc_version(null, null)));
        try (Uc.Engine e = fresh()) {
            String[] names = {"CNTFRQ_EL0", "CNTPCT_EL0", "CNTVCT_EL0", "CNTP_TVAL", "CNTP_CTL", "CNTP_CVAL", "CNTV_TVAL", "CNTV_CTL", "CNTV_CVAL", "CNTVOFF_EL2", "CNTKCTL_EL1", "CNTHCTL_EL2", "CNTPS_CTL_EL1"};
            int[][] enc = {{3,3,14,0,0},{3,3,14,0,1},{3,3,14,0,2},{3,3,14,2,0},{3,3,14,2,1},{3,3,14,2,2},{3,3,14,3,0},{3,3,14,3,1},{3,3,14,3,2},{3,4,14,0,3},{3,0,14,1,0},{3,4,14,1,0},{3,7,14,2,1}};
            for (int i = 0; i < names.length; i++) {
                int[] c = enc[i];
                System.out.println("read " + names[i] + " = " + h(e.sys(c[0], c[1], c[2], c[3], c[4])));
            }
            // write tests
            System.out.println("write CNTV_CVAL=0x1234 -> " + e.sys(3,3,14,3,2, 0x1234) + " readback " + h(e.sys(3,3,14,3,2)));
            System.out.println("write CNTV_CTL=1 -> " + e.sys(3,3,14,3,1, 1) + " readback " + h(e.sys(3,3,14,3,1)));
            System.out.println("write CNTP_CVAL=0x5678 -> " + e.sys(3,3,14,2,2, 0x5678) + " readback " + h(e.sys(3,3,14,2,2)));
            System.out.println("write CNTP_CTL=3 -> " + e.sys(3,3,14,2,1, 3) + " readback " + h(e.sys(3,3,14,2,1)));
            System.out.println("write CNTV_TVAL=1000 -> " + e.sys(3,3,14,3,0, 1000) + " readback tval " + h(e.sys(3,3,14,3,0)) + " cval " + h(e.sys(3,3,14,3,2)) + " vct " + h(e.sys(3,3,14,0,2)));
            System.out.println("write CNTVOFF_EL2=0x100000 -> " + e.sys(3,4,14,0,3, 0x100000) + " vct " + h(e.sys(3,3,14,0,2)) + " pct " + h(e.sys(3,3,14,0,1)));
            e.sys(3,4,14,0,3, 0);
            System.out.println("write CNTVCT -> " + e.sys(3,3,14,0,2, 5));
            // wall clock advance without emulation
            long v0 = e.sys(3,3,14,0,2), t0 = System.nanoTime();
            Thread.sleep(200);
            long v1 = e.sys(3,3,14,0,2), t1 = System.nanoTime();
            System.out.printf("idle (no emu): CNTVCT advanced %d ticks in %.1f ms host => %.3f MHz%n", v1 - v0, (t1 - t0) / 1e6, (v1 - v0) / ((t1 - t0) / 1e3));
            long p0 = e.sys(3,3,14,0,1); Thread.sleep(100); long p1 = e.sys(3,3,14,0,1);
            System.out.println("idle CNTPCT advanced " + (p1 - p0) + " in 100 ms");
        }
        // measure during execution, with different loop sizes
        for (long iters : new long[]{1_000_000L, 10_000_000L, 100_000_000L}) {
            try (Uc.Engine e = fresh()) {
                e.x(0, 0); e.x(2, iters);
                long t0 = System.nanoTime();
                int err = e.start(CODE, DONE, 0, 0);
                long t1 = System.nanoTime();
                long dv = e.x(11) - e.x(10), dp = e.x(13) - e.x(12);
                System.out.printf("loop %d iters: err=%d host %.1f ms, dCNTVCT=%d (%.3f ms at 62.5MHz), dCNTPCT=%d%n", iters, err, (t1 - t0) / 1e6, dv, dv / 62.5e3, dp);
            }
        }
        // ISTATUS: virtual
        for (int mode : new int[]{1, 2}) {
            try (Uc.Engine e = fresh()) {
                e.x(0, mode); e.x(2, 625_000); e.x(3, 200_000_000L);  // 10 ms
                long t0 = System.nanoTime();
                int err = e.start(CODE, DONE, 0, 0);
                long t1 = System.nanoTime();
                System.out.printf("mode %d (%s poll 10ms): err=%d host %.1f ms, polls=%d ctl=%s armedAt=%d end=%d (elapsed ticks %d) x20=%s%n", mode, mode == 1 ? "virt" : "phys", err, (t1 - t0) / 1e6, e.x(11), h(e.x(12)), e.x(10), e.x(13), e.x(13) - e.x(10), h(e.x(20)));
                String t = mode == 1 ? "CNTV" : "CNTP";
                int crm = mode == 1 ? 3 : 2;
                System.out.println("  host reads " + t + "_CTL=" + h(e.sys(3,3,14,crm,1)) + " CVAL=" + h(e.sys(3,3,14,crm,2)) + " TVAL=" + h(e.sys(3,3,14,crm,0)) + " PSTATE=" + h(e.reg(Uc.REG_PSTATE)));
            }
        }
        // IRQ delivery by unicorn itself?
        try (Uc.Engine e = fresh()) {
            e.x(0, 3); e.x(2, 62_500); e.x(3, 100_000_000L);   // 1 ms deadline, long spin
            long t0 = System.nanoTime();
            int err = e.start(CODE, DONE, 0, 0);
            long t1 = System.nanoTime();
            System.out.printf("virq: err=%d host %.1f ms irqs=%d ctlInIrq=%s ctlEnd=%s elapsed ticks=%d x20=%s pstate=%s%n", err, (t1 - t0) / 1e6, e.x(22), h(e.x(23)), h(e.x(12)), e.x(13) - e.x(10), h(e.x(20)), h(e.reg(Uc.REG_PSTATE)));
        }
        // host-side: does ISTATUS appear when reading via CP_REG after deadline passes without emulation?
        try (Uc.Engine e = fresh()) {
            long now = e.sys(3,3,14,0,2);
            e.sys(3,3,14,3,2, now + 62_500); e.sys(3,3,14,3,1, 1);
            System.out.println("host armed CNTV: ctl now " + h(e.sys(3,3,14,3,1)));
            Thread.sleep(20);
            System.out.println("after 20ms host: ctl " + h(e.sys(3,3,14,3,1)) + " vct-cval=" + (e.sys(3,3,14,0,2) - e.sys(3,3,14,3,2)));
            e.sys(3,3,14,3,2, e.sys(3,3,14,0,2) - 10);
            System.out.println("cval set in past by host: ctl " + h(e.sys(3,3,14,3,1)));
        }
    }
}
