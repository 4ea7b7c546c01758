package dev.virtflash.guesttests;

import java.io.IOException;
import java.util.Set;

/**
 * Boots one payload on some board and reports how the run ended.
 *
 * <p>Guest behaviour never makes {@link #run} throw: a crash, a hang or a console flood is a {@link RunResult}
 * (non-zero exit code, {@code timedOut}, a bounded console). Only host problems (a missing emulator binary, a disk
 * error) throw.
 */
public interface PayloadRunner {

    /** A short name for test reports, e.g. {@code qemu-7.2.22}. */
    String name();

    /** The documented differences from upstream QEMU's flash behaviour that this board shows. */
    Set<KnownDifference> knownDifferences();

    /**
     * The image formats this board can attach as flash1. A test with an image in another format leaves this runner
     * out; {@code BoardRunnerTest} checks the declaration against what the board actually does.
     */
    Set<ImageFormat> imageFormats();

    /** Boots {@code spec.payload()} as flash0's contents with flash1 as {@code spec} says, and waits for its end. */
    RunResult run(RunSpec spec) throws IOException, InterruptedException;
}
