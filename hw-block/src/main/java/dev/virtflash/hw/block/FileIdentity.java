package dev.virtflash.hw.block;

/**
 * One version of one file: its device and inode (which file) and its modification time (which version), from
 * {@code fstat}. What {@link SharedImages} keys an image by.
 */
public record FileIdentity(long device, long inode, long mtimeSeconds, long mtimeNanos) {
}
