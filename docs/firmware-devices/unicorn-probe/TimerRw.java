package spike;
import java.nio.file.*;
public final class TimerRw {
    public static void main(String[] a) throws Exception {
        for (int model : new int[]{0, 3}) try (Uc.Engine e = new Uc.Engine(model)) {
            e.map(0x40000000L, 2 << 20, Uc.UC_PROT_ALL);
            e.write(0x40000000L, Files.readAllBytes(Path.of("guest/rw.bin")));
            e.sys(3,3,14,3,1, 1); e.sys(3,3,14,3,2, 0xabc);
            int err = e.start(0x40000000L, 0x40000004L, 0, 0);
            System.out.println("model " + model + " err=" + err);
            String[] n = {"ctl(host wrote 1)", "cval(host wrote abc)", "cval after msr 4321", "ctl after msr 1", "p cval after 777", "p ctl after 1", "v tval after 5000", "v cval after tval", "vct", "CurrentEL"};
            for (int i = 0; i < n.length; i++) System.out.println("  " + n[i] + " = 0x" + Long.toHexString(e.x(10 + i)));
            System.out.println("  host after: vctl=0x" + Long.toHexString(e.sys(3,3,14,3,1)) + " vcval=0x" + Long.toHexString(e.sys(3,3,14,3,2)) + " pctl=0x" + Long.toHexString(e.sys(3,3,14,2,1)));
        }
    }
}
