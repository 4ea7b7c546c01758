/**
 * qcow2 images (versions 2 and 3): {@link dev.virtflash.hw.block.qcow2.Qcow2Backend} reads and writes them through
 * the format (backing chains, zero and compressed clusters, exact refcounts),
 * {@link dev.virtflash.hw.block.qcow2.Qcow2Image} creates them and {@link dev.virtflash.hw.block.qcow2.Qcow2Checker}
 * checks refcount and L1/L2 consistency the way {@code qemu-img check} does.
 *
 * <p>Not supported (refused with a one-line error naming the feature): encryption, extended L2 entries
 * (subclusters), external data files, compression types other than deflate, unknown incompatible feature bits, dirty
 * images (lazy refcounts), and for writing: images marked corrupt, internal snapshots, persistent bitmaps. Not done:
 * writing compressed clusters, resizing, snapshot operations, lazy refcounts, repairing images.
 */
package dev.virtflash.hw.block.qcow2;
