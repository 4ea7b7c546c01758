/**
 * Disk images as guest-visible contents: raw files and qcow2 (v2/v3, backing chains, compressed clusters), block
 * status, the loader that touches only non-zero data ({@link dev.virtflash.hw.block.NonZeroReader}), the sparse
 * {@link dev.virtflash.hw.block.WriteBack}, image locking, and the {@code virt img} tools.
 *
 * <p>Not supported (refused with a one-line error naming the feature): qcow2 encryption, extended L2 entries
 * (subclusters), external data files, unknown incompatible feature bits, dirty images with lazy refcounts, snapshots
 * being applied. Not emulated: O_DIRECT, AIO, discard granularity of the host.
 */
package dev.virtflash.hw.block;
