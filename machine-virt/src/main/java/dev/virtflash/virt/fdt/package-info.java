/**
 * Flattened device trees: {@link dev.virtflash.virt.fdt.FdtBuilder} writes a version 17 blob, and
 * {@link dev.virtflash.virt.VirtDeviceTree} describes this {@code virt} board with it, for firmware boot.
 *
 * <p>Does not own: where the blob is loaded (the board copies it to RAM base), reading or editing existing blobs,
 * overlays, or direct kernel boot (DTB after the initrd, address in x0).
 */
package dev.virtflash.virt.fdt;
