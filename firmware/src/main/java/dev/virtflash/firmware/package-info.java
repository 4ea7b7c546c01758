/**
 * The embedded payloads, listed and loaded by {@link dev.virtflash.firmware.PayloadCatalog} from the class path where
 * this module's build puts them ({@code dev/virtflash/firmware/NAME.bin}). The payloads themselves are built from
 * C and assembly under {@code src/main/payloads}; nothing here runs them.
 */
package dev.virtflash.firmware;
