package dev.virtflash.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GuestAddressTest {

    private static final long TOP = 0xFFFF_FFFF_FFFF_FFFFL;

    @Test
    void printsAsSixteenHexDigits() {
        assertEquals("0x0000000004000000", GuestAddress.of(0x0400_0000).toString());
        assertEquals("0xffffffffffffffff", GuestAddress.of(TOP).toString());
    }

    @Test
    void plusIsCheckedAgainstUnsignedWrap() {
        assertEquals(GuestAddress.of(TOP), GuestAddress.of(TOP - 1).plus(1));
        assertEquals(GuestAddress.of(0x8000_0000_0000_0000L), GuestAddress.of(Long.MAX_VALUE).plus(1));
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> GuestAddress.of(TOP).plus(1));
        assertTrue(e.getMessage().contains("0xffffffffffffffff"), e.getMessage());
    }

    @Test
    void minusAndUnsignedOrder() {
        assertEquals(0x10, GuestAddress.of(0x40).minus(GuestAddress.of(0x30)));
        assertThrows(ArithmeticException.class, () -> GuestAddress.of(0x30).minus(GuestAddress.of(0x40)));
        assertTrue(GuestAddress.of(TOP).compareTo(GuestAddress.of(1)) > 0, "unsigned: 2^64-1 is the largest");
    }

    @Test
    void rangeEndingAtTopOfAddressSpaceIsValid() {
        AddressRange r = AddressRange.of(TOP - 0xFFF, 0x1000);
        assertEquals(GuestAddress.of(TOP), r.last());
        assertTrue(r.contains(GuestAddress.of(TOP)));
        assertTrue(r.contains(GuestAddress.of(TOP - 7), 8));
        assertFalse(r.contains(GuestAddress.of(TOP - 7), 9));
        assertFalse(r.contains(GuestAddress.of(TOP - 0x1000)));
        assertEquals(0xFFF, r.offsetOf(GuestAddress.of(TOP)));
    }

    @Test
    void rangeThatWrapsIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AddressRange.of(TOP - 0xFFF, 0x1001));
        assertTrue(e.getMessage().contains("wraps"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void zeroAndNegativeSizesAreRejected(long size) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AddressRange.of(0, size));
        assertTrue(e.getMessage().contains("expected > 0"), e.getMessage());
    }

    @Test
    void overlapsIsSymmetricAndExact() {
        AddressRange a = AddressRange.of(0x1000, 0x1000);
        assertTrue(a.overlaps(AddressRange.of(0x1FFF, 1)));
        assertTrue(AddressRange.of(0x1FFF, 1).overlaps(a));
        assertFalse(a.overlaps(AddressRange.of(0x2000, 1)));
        assertFalse(a.overlaps(AddressRange.of(0, 0x1000)));
        assertTrue(a.overlaps(AddressRange.of(0, 0x1001)));
        assertTrue(AddressRange.of(0, Long.MAX_VALUE).overlaps(AddressRange.of(0x7FFF_FFFF_FFFF_FFFEL, 1)));
        assertTrue(AddressRange.of(TOP, 1).overlaps(AddressRange.of(TOP - 1, 2)));
    }

    @Test
    void offsetOfOutsideThrows() {
        AddressRange r = AddressRange.of(0x4000_0000, 0x100);
        assertEquals(0, r.offsetOf(GuestAddress.of(0x4000_0000)));
        assertThrows(IllegalArgumentException.class, () -> r.offsetOf(GuestAddress.of(0x4000_0100)));
    }
}
