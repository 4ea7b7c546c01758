package dev.virtflash.memory;

/**
 * Writes a device lets a CPU <em>post</em>: hold back and deliver later, in the order they were made, through
 * {@link MmioHandler#write}. The next {@code count} writes of 1, 2 or 4 bytes, each aligned to its size and inside
 * {@code [offset, offset + length)}, only fill a buffer in the device: no read of the device, and nothing outside it,
 * can tell whether they arrived one by one or together, as long as they all arrive before the next other access to
 * the device (a read, a write that is not one of them, a reset or any host-side look at it). A flash bank in the data
 * phase of a buffered program grants this, and a CPU binding then collects the data cycles without a call per cycle.
 *
 * @param offset the window's first byte (device offset)
 * @param length the window's bytes
 * @param count  how many writes may be posted, at least 1
 */
public record PostedWrites(long offset, long length, long count) {

    public PostedWrites {
        if (offset < 0 || length <= 0 || count < 1) {
            throw new IllegalArgumentException(String.format(
                    "posted writes at 0x%x, 0x%x bytes, %d writes: expected a window and at least one write",
                    offset, length, count));
        }
    }
}
