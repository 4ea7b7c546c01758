/**
 * The CPU binding: one AArch64 core emulated by Unicorn 2.1 (JNA direct mapping of {@code libunicorn.so.2}),
 * executing the guest of an {@link dev.virtflash.memory.AddressSpace}.
 *
 * <p>What it does: {@link dev.virtflash.virt.cpu.UnicornCpu} opens a Cortex-A57 in virtual-TLB mode, mirrors the
 * address space (RAM and ROM devices by host pointer, MMIO by callbacks), switches ROM devices between native array
 * reads and command-mode callbacks, drops translated code when a device changes its memory, and runs the guest until
 * a {@link dev.virtflash.virt.cpu.CpuExit} says why it stopped. Arm semihosting ({@code HLT #0xF000}: WRITEC,
 * WRITE0, EXIT, EXIT_EXTENDED) and PSCI (VERSION 1.1, FEATURES, SYSTEM_OFF, SYSTEM_RESET through HVC or SMC) are
 * emulated here because Unicorn reports those instructions as exceptions. Undefined instructions, SVC and BRK are
 * taken into the guest's own vector table (Unicorn never enters it itself).
 *
 * <p>Virtual memory: the one TLB-fill hook ({@code AddressTranslation}) walks the guest's stage-1 tables
 * ({@code PageTableWalker}) on every TLB miss; ROM-device pages go on to their mapping's view; a walk that faults is
 * delivered as an instruction or data abort with QEMU's ESR and FAR ({@code AbortDelivery}). Reads the binding makes
 * by virtual address (PSCI, semihosting, SVC/BRK/WFI) translate first, and code is dropped by physical address.
 *
 * <p>Interrupts, when the board connects an {@link dev.virtflash.virt.cpu.InterruptWiring}: guest writes to the EL1
 * timer registers are intercepted (MSR hook) and mirrored into Unicorn's own fields so that reads stay native
 * ({@code GenericTimerBinding}); at every precise stop the CPU takes an asserted, unmasked IRQ or FIQ into the guest's
 * EL1 vector table; a per-CPU deadline thread stops the CPU when the next timer or device event is due; WFI sleeps
 * until then. Code the guest changes is dropped from Unicorn's translation cache at DC ZVA, IC IVAU and IC IALLU(IS)
 * (Unicorn 2.1.1 alone misses DC ZVA).
 *
 * <p>What it does not do:
 * <ul>
 *   <li>Without an {@code InterruptWiring}: no interrupts at all, and {@code WFI} returns at once. With one: no
 *   routing of IRQ/FIQ to EL2/EL3 (they go to EL1), no SError, no EL2/secure timers; an interrupt that stays masked
 *   for long is looked at after every block for 64 stops, then at intervals of 50 us to 1 ms, so it may be taken up to
 *   1 ms after a long masked stretch ends.</li>
 *   <li>One core only; no SMP, no PSCI CPU_ON.</li>
 *   <li>Translation: stage 1 of EL1&amp;0 only (no stage 2, no EL2/EL3 regimes, no AArch32 descriptors), no memory
 *   types (no alignment faults on Device memory), LDTR/STTR at EL1 checked with EL1's permissions.</li>
 *   <li>Aborts Unicorn raises itself (not the walker's) are not delivered (no syndrome): they end the run with a
 *   report, as do exceptions while VBAR is 0 and exceptions inside the vector table.</li>
 *   <li>No AArch32, no EL2/EL3 routing (HCR/SCR), no SError, no debug exceptions.</li>
 *   <li>Semihosting file, clock and heap operations are not emulated (the run ends naming the operation).</li>
 *   <li>MMIO accesses reach handlers in pieces of at most 4 bytes (Unicorn's MMIO path splits wider ones, low half
 *   first); ROM-device <em>writes</em> keep their real width, 8 bytes and unaligned included, and the device
 *   splits them itself.</li>
 *   <li>The reported PC of a data access fault is found by decoding the faulting block (Unicorn gives the block
 *   start); the report says when no instruction matched.</li>
 *   <li>Each ROM device has private physical alias addresses from 0xF000_0000_0000 up (its array and command views
 *   and zero page; see {@code RomDeviceMapping}), above the 44-bit physical range no guest translation reaches.</li>
 *   <li>Precise stops rely on a private Unicorn 2.1 structure layout, checked at start-up; Apple arm64 hosts are not
 *   supported (varargs calling convention).</li>
 * </ul>
 */
package dev.virtflash.virt.cpu;
