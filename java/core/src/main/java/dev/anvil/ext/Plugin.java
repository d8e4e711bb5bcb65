package dev.anvil.ext;

import dev.anvil.AnvilException;
import dev.anvil.internal.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A plug-in library of native ops (it implements {@code bindings/include/anvil_plugin.h}, of plug-in
 * ABI version 1 or 2; guide: {@code docs/extending.md}). Its ops become layers with
 * {@link #layer(String, float...)}; an op of several inputs or with weights becomes a
 * {@link PluginLayer} whose weights are trainable parameters:
 *
 * <pre>{@code
 * try (Plugin plugin = Plugin.load(Path.of("libanvil_leaky_relu.so"));
 *      Sequential model = new Sequential(new Linear(4, 8), plugin.layer("leaky_relu", 0.01f), new Linear(8, 2))) {
 *     ...
 * }
 * }</pre>
 *
 * <p>The library stays loaded until {@link #close()}, which refuses while layers made from it are
 * still open (their native code would be unloaded under them). A plug-in built against another
 * plug-in ABI version is refused at load with a message naming both versions.
 */
public final class Plugin implements AutoCloseable {
    private final Path path;
    private final String name;
    private final List<String> ops;
    private long handle;
    private int openLayers;

    private Plugin(Path path, long handle) {
        this.path = path;
        this.handle = handle;
        this.name = Native.pluginName(handle);
        int count = Native.pluginOpCount(handle);
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) names.add(Native.pluginOpName(handle, i));
        this.ops = Collections.unmodifiableList(names);
    }

    /**
     * Loads the plug-in at {@code path}. Throws IllegalArgumentException for a missing file and
     * {@link AnvilException} (status PLUGIN or UNSUPPORTED) for a library that is no valid plug-in.
     */
    public static Plugin load(Path path) {
        Objects.requireNonNull(path, "path");
        if (!Files.isRegularFile(path)) throw new IllegalArgumentException("no plug-in library at " + path);
        long handle = Native.pluginLoad(path.toAbsolutePath().toString());
        try {
            return new Plugin(path, handle);
        } catch (RuntimeException e) {
            Native.pluginUnload(handle);
            throw e;
        }
    }

    /** The plug-in's own name. */
    public String name() {
        return name;
    }

    /** Names of its ops, in the plug-in's order. */
    public List<String> ops() {
        return ops;
    }

    /** The op's description ("" when the plug-in gives none). */
    public synchronized String description(String op) {
        return Native.pluginOpDescription(handle(), index(op));
    }

    /** Number of float hyper-parameters the op takes. */
    public synchronized int numParams(String op) {
        return Native.pluginOpNumParams(handle(), index(op));
    }

    /** Number of inputs the op takes (1 for an op of plug-in ABI version 1). */
    public synchronized int numInputs(String op) {
        return Native.pluginOpNumInputs(handle(), index(op));
    }

    /**
     * A layer applying op {@code op} with the given hyper-parameters. Its parameters (the op's
     * weights) take the shapes the op gives for these hyper-parameters; an op whose weight shapes
     * depend on its inputs needs {@link #layer(String, long[][], float...)}.
     */
    public PluginLayer layer(String op, float... params) {
        return layer(op, null, params);
    }

    /**
     * A layer applying op {@code op} to inputs of the given shapes (one per input; null for
     * none), from which the op derives its weights' shapes, with the given hyper-parameters.
     */
    public synchronized PluginLayer layer(String op, long[][] inputShapes, float... params) {
        Objects.requireNonNull(params, "params");
        int index = index(op);
        int expected = Native.pluginOpNumParams(handle, index);
        if (params.length != expected) {
            throw new IllegalArgumentException("plug-in " + name + " op " + op + " takes " + expected
                    + " hyper-parameter(s), got " + params.length);
        }
        PluginLayer layer = new PluginLayer(this, op, index, params.clone(), inputShapes == null ? null : inputShapes.clone());
        openLayers++;
        return layer;
    }

    synchronized void layerClosed() {
        openLayers--;
    }

    /** The native handle; throws if the plug-in is closed. */
    synchronized long handle() {
        if (handle == 0) throw new IllegalStateException("plug-in " + name + " (" + path + ") is closed");
        return handle;
    }

    private int index(String op) {
        Objects.requireNonNull(op, "op");
        int i = ops.indexOf(op);
        if (i < 0) throw new IllegalArgumentException("plug-in " + name + " has no op '" + op + "'; it has " + ops);
        handle();
        return i;
    }

    /** Unloads the library. Idempotent; refuses while layers made from it are open. */
    @Override
    public synchronized void close() {
        if (handle == 0) return;
        if (openLayers > 0) {
            throw new IllegalStateException("plug-in " + name + " still has " + openLayers
                    + " open layer(s); close them (or the model holding them) first");
        }
        Native.pluginUnload(handle);
        handle = 0;
    }

    @Override
    public String toString() {
        return "Plugin(" + name + ", ops=" + ops + ")";
    }
}
