/**
 * The guest physical address space and the host memory behind it.
 *
 * <p>Owns: {@link dev.virtflash.memory.GuestAddress} and {@link dev.virtflash.memory.AddressRange} (unsigned
 * 64-bit, overflow-checked), the sealed {@link dev.virtflash.memory.MemoryRegion} family (RAM, ROM device, MMIO),
 * the immutable {@link dev.virtflash.memory.AddressSpace} with its listeners, {@link dev.virtflash.memory.HostMemory}
 * (the only owner of native guest bytes, which knows which of its pages hold data and never touches the others),
 * {@link dev.virtflash.memory.Residency} (how much of it is resident, and which pages the kernel has mapped) and
 * {@link dev.virtflash.memory.WarnLimiter} (the rate limit devices put on the WARN lines a guest can cause; here
 * because every device module depends on this one).
 *
 * <p>Does not own: devices (they implement {@link dev.virtflash.memory.MmioHandler} elsewhere and never learn their
 * base address), the CPU (it listens to an address space), images (hw-block). It does not model IOMMUs, aliases,
 * priorities or overlapping regions: a board's map is flat and overlap-free.
 */
package dev.virtflash.memory;
