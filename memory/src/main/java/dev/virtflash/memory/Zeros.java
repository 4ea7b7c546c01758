package dev.virtflash.memory;

import java.nio.ByteBuffer;

/**
 * The one all-zero check: whether bytes are all zero, by {@link ByteBuffer#mismatch} against a read-only buffer of
 * zeros, which the JDK runs as a vectorised intrinsic under both JIT compilers (a loop of {@code getLong} is four
 * times slower under C1 alone, which {@code ./virt} uses). Used wherever a page is tested before it is copied,
 * written back or kept.
 */
public final class Zeros {

    /** The largest piece compared at once. */
    private static final int CHUNK = 64 * 1024;
    /** Immutable: a read-only view, never written. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(CHUNK).asReadOnlyBuffer();

    private Zeros() {
    }

    /** A read-only buffer of {@code n} zero bytes ({@code n <= 64 KiB}), e.g. to fill a destination with zeros. */
    public static ByteBuffer of(int n) {
        return ZEROS.slice(0, n);
    }

    /** Whether {@code buffer}'s bytes at absolute indices {@code [from, to)} are all zero; the buffer is unchanged. */
    public static boolean isZero(ByteBuffer buffer, int from, int to) {
        for (int at = from; at < to; ) {
            int n = Math.min(CHUNK, to - at);
            if (buffer.slice(at, n).mismatch(ZEROS.slice(0, n)) != -1) {
                return false;
            }
            at += n;
        }
        return true;
    }

    /** Whether {@code bytes[from, from + length)} are all zero. */
    public static boolean isZero(byte[] bytes, int from, int length) {
        return isZero(ByteBuffer.wrap(bytes), from, from + length);
    }
}
