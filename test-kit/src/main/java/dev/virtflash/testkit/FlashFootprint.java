package dev.virtflash.testkit;

import java.nio.file.Path;

/**
 * What one flash bank costs the host, measured in this order (so that measuring cannot raise the later figures):
 *
 * @param residentBytes the bank memory's resident bytes ({@code Rss} in {@code /proc/self/smaps})
 * @param presentBytes  bytes of the bank's pages the kernel has mapped ({@code /proc/self/pagemap}): every page
 *                      something wrote or read, whether or not the kernel has a shared zero page
 * @param dataBytes     bytes of the pages that hold data: what the image load, a {@code -bios} copy or the flash
 *                      model wrote. A board that never reads a page nothing wrote has {@code presentBytes == dataBytes}
 * @param ownedBytes    resident bytes that are this bank's own ({@code Anonymous} in smaps); 0 for a read-only bank
 *                      that shares its image's memory ({@code sharedImage} not null)
 * @param sharedImage   the image file whose shared memory the bank reads (a read-only bank with an image), or
 *                      {@code null} when the bank owns its memory
 */
public record FlashFootprint(long residentBytes, long presentBytes, long dataBytes, long ownedBytes,
                             Path sharedImage) {

    /** Resident bytes shared with other boards, processes and the page cache (a read-only bank's image). */
    public long sharedBytes() {
        return sharedImage == null ? 0 : residentBytes;
    }
}
