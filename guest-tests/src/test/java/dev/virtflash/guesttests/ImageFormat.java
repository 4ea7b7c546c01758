package dev.virtflash.guesttests;

/** The image formats a flash bank can be given in, spelled as QEMU's {@code format=} option. */
public enum ImageFormat {
    RAW("raw"),
    QCOW2("qcow2");

    private final String option;

    ImageFormat(String option) {
        this.option = option;
    }

    /** The {@code format=} value. */
    public String option() {
        return option;
    }
}
