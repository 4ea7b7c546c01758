package spike;
public final class ClockSrc {
    public static void main(String[] a) throws Exception {
        try (Uc.Engine e = new Uc.Engine(0)) {
            for (int i = 0; i < 3; i++) {
                long n0 = System.nanoTime(); long p = e.sys(3,3,14,0,1); long n1 = System.nanoTime();
                System.out.printf("CNTPCT*16 - nanoTime = %d ns (read took %d ns)%n", p * 16 - (n0 + n1) / 2, n1 - n0);
                Thread.sleep(50);
            }
        }
    }
}
