/**
 * Opening and creating images of any format we read: {@link dev.virtflash.hw.block.image.Images} picks the backend
 * ({@code raw} or {@code qcow2}) from {@code format=} or the magic number, and makes empty images as
 * {@code qemu-img create} does. It sits above the formats so that {@code dev.virtflash.hw.block} (the interfaces)
 * does not depend on its own implementations.
 */
package dev.virtflash.hw.block.image;
