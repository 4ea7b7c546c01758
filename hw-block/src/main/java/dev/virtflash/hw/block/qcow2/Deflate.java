package dev.virtflash.hw.block.qcow2;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses qcow2 compressed clusters: a raw deflate stream (no zlib header), as QEMU's {@code qcow2_decompress}
 * writes it. Decompression stops when the cluster is full; input after that is ignored, as in QEMU.
 */
final class Deflate {

    /** Bound on inflate calls per cluster; each call that makes no progress ends the loop anyway. */
    private static final int MAX_ROUNDS = 1 << 16;

    private Deflate() {
    }

    /**
     * Inflates {@code src[0, length)} into all of {@code dst} with {@code inflater} (a raw-deflate one, reset here).
     *
     * @return {@code null} on success, otherwise what went wrong
     */
    static String inflate(Inflater inflater, byte[] src, int length, byte[] dst) {
        // With nowrap the inflater may need one byte past the stream; src has a spare zero byte at the end.
        inflater.reset();
        try {
            inflater.setInput(src, 0, Math.min(src.length, length + 1));
            int produced = 0;
            for (int rounds = 0; produced < dst.length && rounds < MAX_ROUNDS; rounds++) {
                int n = inflater.inflate(dst, produced, dst.length - produced);
                produced += n;
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
            }
            if (produced < dst.length) {
                return "decompressed " + produced + " bytes, expected " + dst.length;
            }
            return null;
        } catch (DataFormatException e) {
            return "invalid deflate data (" + e.getMessage() + ")";
        }
    }
}
