package dev.virtflash.memory;

/**
 * An absolute guest physical address: an unsigned 64-bit value. Arithmetic is overflow-checked, so an address never
 * silently wraps past 2^64-1 or below 0.
 *
 * @param value the address, read as unsigned
 */
public record GuestAddress(long value) implements Comparable<GuestAddress> {

    /** Guest address 0. */
    public static final GuestAddress ZERO = new GuestAddress(0);

    /** The address {@code value} (unsigned). */
    public static GuestAddress of(long value) {
        return new GuestAddress(value);
    }

    /**
     * This address plus an unsigned offset.
     *
     * @throws ArithmeticException if the result would pass 2^64-1
     */
    public GuestAddress plus(long offset) {
        long sum = value + offset;
        if (Long.compareUnsigned(sum, value) < 0) {
            throw new ArithmeticException(String.format("%s + 0x%x passes 2^64-1", this, offset));
        }
        return new GuestAddress(sum);
    }

    /**
     * The unsigned distance from {@code base} up to this address.
     *
     * @throws ArithmeticException if {@code base} is above this address
     */
    public long minus(GuestAddress base) {
        if (Long.compareUnsigned(value, base.value) < 0) {
            throw new ArithmeticException(this + " is below " + base);
        }
        return value - base.value;
    }

    /** Unsigned comparison. */
    @Override
    public int compareTo(GuestAddress other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return String.format("0x%016x", value);
    }
}
