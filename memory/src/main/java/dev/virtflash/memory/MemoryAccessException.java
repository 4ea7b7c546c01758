package dev.virtflash.memory;

/** A guest access that hit no region, or ran past the end of the one it started in. */
public final class MemoryAccessException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What the access was doing. */
    public enum Kind { READ, WRITE, FETCH }

    private final transient GuestAddress address;
    private final Kind kind;
    private final int size;

    public MemoryAccessException(GuestAddress address, int size, Kind kind, String why) {
        super(String.format("%s of %d byte(s) at %s: %s", kind.name().toLowerCase(java.util.Locale.ROOT), size,
                address, why));
        this.address = address;
        this.size = size;
        this.kind = kind;
    }

    public GuestAddress address() {
        return address;
    }

    public Kind kind() {
        return kind;
    }

    public int size() {
        return size;
    }
}
