package dev.virtflash.firmware;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.SortedSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The embedded payloads: class-path resources {@code PREFIX/NAME.bin}, where the firmware module puts the aarch64
 * programs it builds ({@code dev/virtflash/firmware/NAME.bin}). Lists them from directories and jars alike.
 */
public final class PayloadCatalog {

    /** Where the firmware module's payloads live on the class path. */
    public static final String FIRMWARE_PREFIX = "dev/virtflash/firmware";
    private static final String SUFFIX = ".bin";

    private final ClassLoader loader;
    private final String prefix;

    /**
     * @param loader the class loader to search
     * @param prefix the resource folder, without leading or trailing slash
     */
    public PayloadCatalog(ClassLoader loader, String prefix) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
    }

    /** The firmware module's payloads, found through this class's loader. */
    public static PayloadCatalog firmware() {
        return new PayloadCatalog(PayloadCatalog.class.getClassLoader(), FIRMWARE_PREFIX);
    }

    /** The resource name of payload {@code name}. */
    public String resourceName(String name) {
        return prefix + "/" + name + SUFFIX;
    }

    /** Whether payload {@code name} exists. */
    public boolean contains(String name) {
        return !name.isEmpty() && name.indexOf('/') < 0 && loader.getResource(resourceName(name)) != null;
    }

    /** The bytes of payload {@code name}, or empty if there is none. */
    public Optional<byte[]> load(String name) throws IOException {
        if (!contains(name)) {
            return Optional.empty();
        }
        try (InputStream in = loader.getResourceAsStream(resourceName(name))) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        }
    }

    /** The names of all payloads, sorted. */
    public SortedSet<String> names() {
        SortedSet<String> names = new TreeSet<>();
        try {
            Enumeration<URL> roots = loader.getResources(prefix);
            while (roots.hasMoreElements()) {
                URL url = roots.nextElement();
                if (url.getProtocol().equals("file")) {
                    try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of(url.toURI()), "*" + SUFFIX)) {
                        for (Path p : dir) {
                            String f = p.getFileName().toString();
                            names.add(f.substring(0, f.length() - SUFFIX.length()));
                        }
                    }
                } else if (url.getProtocol().equals("jar")) {
                    JarURLConnection c = (JarURLConnection) url.openConnection();
                    c.setUseCaches(false);
                    try (JarFile jar = c.getJarFile()) {
                        Enumeration<JarEntry> entries = jar.entries();
                        while (entries.hasMoreElements()) {
                            String e = entries.nextElement().getName();
                            if (e.startsWith(prefix + "/") && e.endsWith(SUFFIX)
                                    && e.indexOf('/', prefix.length() + 1) < 0) {
                                names.add(e.substring(prefix.length() + 1, e.length() - SUFFIX.length()));
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list payloads under " + prefix, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad class path entry for " + prefix, e);
        }
        return names;
    }
}
