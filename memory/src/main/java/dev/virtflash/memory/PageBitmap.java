package dev.virtflash.memory;

/**
 * One bit per 4 KiB page of a {@link HostMemory}: which pages something wrote. Not thread-safe (its memory's
 * contract: one thread at a time).
 */
final class PageBitmap {

    private final long[] words;
    private final long pages;
    private long count;

    PageBitmap(long pages) {
        if (pages > (long) Integer.MAX_VALUE * Long.SIZE) {
            throw new IllegalArgumentException(pages + " pages, at most " + (long) Integer.MAX_VALUE * Long.SIZE);
        }
        this.pages = pages;
        this.words = new long[(int) ((pages + Long.SIZE - 1) / Long.SIZE)];
    }

    boolean get(long page) {
        return (words[(int) (page >>> 6)] & (1L << page)) != 0;
    }

    /** How many pages are set. */
    long count() {
        return count;
    }

    /** Whether any page of {@code [first, end)} is set. */
    boolean any(long first, long end) {
        long next = nextSet(first);
        return next >= 0 && next < end;
    }

    /** Sets pages {@code [first, end)}. */
    void set(long first, long end) {
        for (long p = first; p < end; p++) {
            long bit = 1L << p;
            int w = (int) (p >>> 6);
            if ((words[w] & bit) == 0) {
                words[w] |= bit;
                count++;
            }
        }
    }

    /** Clears pages {@code [first, end)}. */
    void clear(long first, long end) {
        for (long p = first; p < end; p++) {
            long bit = 1L << p;
            int w = (int) (p >>> 6);
            if ((words[w] & bit) != 0) {
                words[w] &= ~bit;
                count--;
            }
        }
    }

    /** The first set page at or after {@code from}, or -1. */
    long nextSet(long from) {
        if (from >= pages) {
            return -1;
        }
        int w = (int) (from >>> 6);
        long word = words[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                long p = ((long) w << 6) + Long.numberOfTrailingZeros(word);
                return p < pages ? p : -1;
            }
            if (++w == words.length) {
                return -1;
            }
            word = words[w];
        }
    }

    /** The first clear page at or after {@code from}, or {@code pages} if there is none. */
    long nextClear(long from) {
        if (from >= pages) {
            return pages;
        }
        int w = (int) (from >>> 6);
        long word = ~words[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                return Math.min(pages, ((long) w << 6) + Long.numberOfTrailingZeros(word));
            }
            if (++w == words.length) {
                return pages;
            }
            word = ~words[w];
        }
    }
}
