package dev.anvil.abi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * The native libraries that travel in this jar under {@code dev/anvil/abi/<platform>/}. Run from a
 * folder of classes (a build), they load in place; from a jar, each is copied once into a cache
 * folder named after a hash of its bytes, so that two versions never share a file and two JVMs
 * never see a half-written one. The cache is {@code -Danvil.cachedir}, else {@code ~/.cache/anvil},
 * else the temporary folder.
 */
public final class NativeLibraries {
    /** os-arch as the build names the folder: linux-x86_64, linux-arm64. */
    public static final String PLATFORM = platform();
    private static final Map<String, Path> PATHS = new HashMap<>();

    private NativeLibraries() {}

    /** Loads lib{@code name} into this JVM (once). */
    static synchronized void load(String name) {
        System.load(path(name).toString());
    }

    /** The file of lib{@code name} for this platform, extracted from the jar on first use. */
    static synchronized Path path(String name) {
        return PATHS.computeIfAbsent(name, NativeLibraries::locate);
    }

    private static Path locate(String name) {
        String resource = PLATFORM + "/" + System.mapLibraryName(name);
        URL url = NativeLibraries.class.getResource(resource);
        if (url == null) {
            throw new UnsatisfiedLinkError("this Anvil jar has no " + System.mapLibraryName(name) + " for " + PLATFORM
                    + " (dev/anvil/abi/" + resource + "): build Anvil on this platform");
        }
        try {
            if (url.getProtocol().equals("file")) return Path.of(url.toURI());
            byte[] bytes;
            try (InputStream in = url.openStream()) {
                bytes = in.readAllBytes();
            }
            Path dir = cacheRoot().resolve(sha256(bytes).substring(0, 16));
            Path file = dir.resolve(System.mapLibraryName(name));
            if (!Files.exists(file) || Files.size(file) != bytes.length) {
                Files.createDirectories(dir);
                Path part = Files.createTempFile(dir, name, ".part");
                Files.write(part, bytes);
                Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource + " from the Anvil jar", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(url.toString(), e);
        }
    }

    private static Path cacheRoot() {
        String configured = System.getProperty("anvil.cachedir");
        if (configured != null && !configured.isBlank()) return Path.of(configured);
        Path home = Path.of(System.getProperty("user.home", ""), ".cache", "anvil");
        try {
            Files.createDirectories(home);
            if (Files.isWritable(home)) return home;
        } catch (IOException | SecurityException e) {
            // fall through to the temporary folder
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "anvil-" + System.getProperty("user.name", "user"));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "macosx" : os.startsWith("windows") ? "windows" : os;
        String a = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
        return o + "-" + a;
    }
}
