package dev.virtflash.guesttests.uboot;

import dev.virtflash.testkit.TestMachine;

/** A guest console a U-Boot script drives: our board in-process, or a QEMU or {@code virt} process. */
public interface Console {

    /** Waits for {@code text} after the previous match; returns the console from there through the match. */
    String await(String text);

    /** Types {@code text}. */
    void type(String text);

    /** The console of a machine of ours. */
    static Console of(TestMachine m) {
        return new Console() {
            @Override
            public String await(String text) {
                return m.await(text);
            }

            @Override
            public void type(String text) {
                m.type(text);
            }
        };
    }
}
