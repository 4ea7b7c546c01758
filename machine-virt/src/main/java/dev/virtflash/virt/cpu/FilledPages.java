package dev.virtflash.virt.cpu;

/**
 * The engine pages (by virtual address) whose TLB entries were filled to point into one device since they were last
 * dropped, so that a device switching views drops those entries alone rather than the whole TLB (which the guest then
 * refills one Java upcall per 1 KiB page: AAVMF switches a flash bank thousands of times before {@code Shell>}).
 * Past {@link #LIMIT} pages, or where the engine cannot drop single pages, {@link #drop} drops the whole TLB.
 */
final class FilledPages {

    /** More pages than this and a drop empties the whole TLB. */
    static final int LIMIT = 256;

    private final long[] pages = new long[LIMIT];
    private int count;
    private boolean overflow;
    private long last = -1;

    /** A TLB entry for the engine page at {@code va} now points into the device. */
    void add(long va) {
        if (va == last || overflow) {
            return;
        }
        last = va;
        if (count == LIMIT) {
            overflow = true;
            return;
        }
        pages[count++] = va;
    }

    /** Drops every entry added since the last drop: page by page when the engine can and they are few, else all. */
    void drop(UnicornEngine engine) {
        if (!overflow && engine.flushesTlbPages()) {
            for (int i = 0; i < count; i++) {
                engine.flushTlbPage(pages[i]);
            }
        } else {
            engine.flushTlb();
        }
        count = 0;
        overflow = false;
        last = -1;
    }

    /** How many pages a drop would flush now, or -1 when it would drop the whole TLB (for tests). */
    int pending() {
        return overflow ? -1 : count;
    }
}
