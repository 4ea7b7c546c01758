package dev.virtflash.virt;

import dev.virtflash.hw.block.BlockBackend;
import dev.virtflash.hw.block.SharedImages;
import dev.virtflash.hw.pflash.FlashSemantics;
import dev.virtflash.hw.pflash.PflashCfi01;
import dev.virtflash.memory.HostMemory;
import dev.virtflash.memory.ResourceStack;
import dev.virtflash.virt.devices.ConsoleSink;
import dev.virtflash.virt.devices.ConsoleSource;
import dev.virtflash.virt.devices.Pl011;
import dev.virtflash.virt.devices.rtc.Pl031;
import java.nio.file.Path;

/**
 * One board being assembled: what the builder was told, and what each {@link BoardDevice} has created so far. Lives
 * only during {@link VirtMachine.Builder#build()}; what it opens, {@link #owned} owns (closed in reverse order if a
 * later step fails, else handed to the machine).
 */
final class BoardAssembly {

    final ResourceStack owned;
    final long ramSize;
    final Path[] imageFiles;
    final String[] imageFormats;
    final boolean[] imageReadOnly;
    final FlashSemantics flashSemantics;
    final SharedImages sharedImages;
    final ConsoleSink console;
    final ConsoleSource input;
    final BoardInterrupts interrupts = new BoardInterrupts();

    final BlockBackend[] images = new BlockBackend[2];
    final PflashCfi01[] banks = new PflashCfi01[2];
    HostMemory ram;
    Pl011 uart;
    Pl031 rtc;

    BoardAssembly(ResourceStack owned, long ramSize, Path[] imageFiles, String[] imageFormats,
                  boolean[] imageReadOnly, FlashSemantics flashSemantics, SharedImages sharedImages,
                  ConsoleSink console, ConsoleSource input) {
        this.owned = owned;
        this.ramSize = ramSize;
        this.imageFiles = imageFiles.clone();
        this.imageFormats = imageFormats.clone();
        this.imageReadOnly = imageReadOnly.clone();
        this.flashSemantics = flashSemantics;
        this.sharedImages = sharedImages;
        this.console = console;
        this.input = input;
    }
}
