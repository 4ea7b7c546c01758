/**
 * The PL031 real-time clock of the {@code virt} board ({@link dev.virtflash.virt.devices.rtc.Pl031}, at 0x0901_0000,
 * SPI 2 = GIC ID 34), as QEMU 7.2 presents it: host wall-clock time at start, then a monotonic clock.
 *
 * <p>Not here: a thread or timer of its own (the board polls {@link
 * dev.virtflash.virt.devices.rtc.Pl031#alarmDeadlineNanos()}); the RTC clock divider and test registers.
 */
package dev.virtflash.virt.devices.rtc;
