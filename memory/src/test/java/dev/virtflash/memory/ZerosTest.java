package dev.virtflash.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ZerosTest {

    @Test
    void findsAnyNonZeroByteAtEveryPositionAcrossChunks() {
        byte[] b = new byte[200_000];
        assertTrue(Zeros.isZero(b, 0, b.length));
        for (int at : new int[] {0, 1, 65_535, 65_536, 131_071, 199_999}) {
            b[at] = 1;
            assertFalse(Zeros.isZero(b, 0, b.length), "byte " + at);
            assertTrue(Zeros.isZero(b, at + 1, b.length - at - 1), "after byte " + at);
            assertTrue(Zeros.isZero(b, 0, at), "before byte " + at);
            b[at] = 0;
        }
        assertTrue(Zeros.isZero(b, 5, 0), "empty range");
    }

    @Test
    void directBuffersByAbsoluteIndexWithoutMovingThem() {
        ByteBuffer d = ByteBuffer.allocateDirect(8192);
        d.put(4096, (byte) 7).position(100);
        assertTrue(Zeros.isZero(d, 0, 4096));
        assertFalse(Zeros.isZero(d, 4000, 4100));
        assertEquals(100, d.position());
        assertEquals(4096, Zeros.of(4096).remaining());
    }
}
