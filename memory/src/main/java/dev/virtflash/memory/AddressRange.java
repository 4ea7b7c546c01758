package dev.virtflash.memory;

/**
 * A non-empty range of guest physical addresses {@code [base, base + size)} that does not wrap: its last byte is at
 * most 2^64-1. Sizes are signed longs, so a range is at most 2^63-1 bytes; that is far beyond any board.
 *
 * @param base the first address
 * @param size the number of bytes, {@code > 0}
 */
public record AddressRange(GuestAddress base, long size) {

    public AddressRange {
        if (base == null) {
            throw new IllegalArgumentException("range base is null");
        }
        if (size <= 0) {
            throw new IllegalArgumentException(String.format("range at %s has size %d, expected > 0", base, size));
        }
        long last = base.value() + (size - 1);
        if (Long.compareUnsigned(last, base.value()) < 0) {
            throw new IllegalArgumentException(
                    String.format("range at %s of size 0x%x wraps past 2^64-1", base, size));
        }
    }

    /** The range {@code [base, base + size)}. */
    public static AddressRange of(long base, long size) {
        return new AddressRange(new GuestAddress(base), size);
    }

    /** The last address inside the range (inclusive); never wraps. */
    public GuestAddress last() {
        return new GuestAddress(base.value() + (size - 1));
    }

    /** Whether {@code address} lies inside the range. */
    public boolean contains(GuestAddress address) {
        long off = address.value() - base.value();
        return Long.compareUnsigned(address.value(), base.value()) >= 0 && Long.compareUnsigned(off, size) < 0;
    }

    /** Whether all of {@code [address, address + length)} lies inside the range; {@code length} must be > 0. */
    public boolean contains(GuestAddress address, long length) {
        if (length <= 0 || !contains(address)) {
            return false;
        }
        return length <= size - (address.value() - base.value());
    }

    /** Whether the two ranges share at least one address. */
    public boolean overlaps(AddressRange other) {
        return Long.compareUnsigned(base.value(), other.last().value()) <= 0
                && Long.compareUnsigned(other.base.value(), last().value()) <= 0;
    }

    /**
     * The offset of {@code address} inside this range.
     *
     * @throws IllegalArgumentException if the address is outside
     */
    public long offsetOf(GuestAddress address) {
        if (!contains(address)) {
            throw new IllegalArgumentException(address + " is outside " + this);
        }
        return address.value() - base.value();
    }

    @Override
    public String toString() {
        return String.format("[%s-%s]", base, last());
    }
}
