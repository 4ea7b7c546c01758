package spike;
import java.nio.file.*;
public final class WfiProbe {
    public static void main(String[] a) throws Exception {
        try (Uc.Engine e = new Uc.Engine(0)) {
            e.map(0x40000000L, 2 << 20, Uc.UC_PROT_ALL);
            e.write(0x40000000L, Files.readAllBytes(Path.of("guest/wfi.bin")));
            long[] intr = new long[1];
            e.hook(Uc.UC_HOOK_INTR, (Uc.HookIntr) (uc, intno, ud) -> { intr[0]++; System.out.println("  INTR hook intno=" + intno + " pc=0x" + Long.toHexString(e.pc())); });
            long pc = 0x40000000L;
            for (int i = 0; i < 4; i++) {
                long t0 = System.nanoTime();
                int err = e.start(pc, 0x40000004L, 2_000_000, 0); // 2 s timeout
                long t1 = System.nanoTime();
                pc = e.pc();
                System.out.printf("run %d: err=%d after %.1f ms, pc=0x%x x10=%d%n", i, err, (t1 - t0) / 1e6, pc, e.x(10));
                if (pc == 0x40000004L) break;
            }
        }
    }
}
