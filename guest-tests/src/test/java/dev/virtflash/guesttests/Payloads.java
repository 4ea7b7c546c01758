package dev.virtflash.guesttests;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The payload images of module firmware, read from the class path ({@code dev/virtflash/firmware/NAME.bin}). */
public final class Payloads {

    /** Where the firmware module packages its payloads. */
    public static final String RESOURCE_DIR = "dev/virtflash/firmware/";
    private static final String INDEX = RESOURCE_DIR + "payloads.txt";

    private Payloads() {
    }

    /** Every payload name, as the firmware build listed them. */
    public static List<String> names() {
        try (InputStream in = open(INDEX)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return Arrays.stream(text.split("\n")).map(String::strip).filter(s -> !s.isEmpty())
                    .collect(Collectors.toUnmodifiableList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + INDEX, e);
        }
    }

    /** The flat image of payload {@code name} (to be placed at flash0 offset 0). */
    public static byte[] load(String name) {
        if (!names().contains(name)) {
            throw new IllegalArgumentException("unknown payload '" + name + "': the firmware module has "
                    + String.join(", ", names()));
        }
        try (InputStream in = open(RESOURCE_DIR + name + ".bin")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read payload " + name, e);
        }
    }

    private static InputStream open(String resource) throws IOException {
        InputStream in = Payloads.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IOException(resource + " is not on the class path (is module firmware built?)");
        }
        return in;
    }
}
