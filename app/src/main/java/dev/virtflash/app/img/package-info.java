/**
 * The image tools behind {@code virt img} ({@link dev.virtflash.app.img.ImgCommand}: create, info, map,
 * check, as a user of {@code qemu-img} knows them), over the image library of module {@code hw-block}.
 *
 * <p>Not provided: qemu-img's other subcommands (convert, resize, snapshot, rebase, ...), JSON output of
 * {@code info}, {@code map --start-offset/--max-length}, {@code -U} (force share). Console output happens here only,
 * through the streams the caller passes.
 */
package dev.virtflash.app.img;
